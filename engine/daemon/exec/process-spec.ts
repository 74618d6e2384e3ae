// The OCI process of an exec: the container's own process (capabilities,
// rlimits, apparmor, noNewPrivileges, env) with the exec's args, env, cwd,
// user and terminal on top (moby daemon/exec_linux.go execSetPlatformOpt).
import { readFileSync } from 'node:fs';
import { posix } from 'node:path';

import { invalidArgument } from '../../errors.ts';
import type { ExecConfig } from './store.ts';

interface OciUser {
  uid: number;
  gid: number;
  additionalGids?: number[];
}

interface OciProcess {
  terminal?: boolean;
  args: string[];
  env?: string[];
  cwd: string;
  user: OciUser;
  capabilities?: Record<string, string[]>;
  [key: string]: unknown;
}

const ALL_CAPS_FALLBACK = 40;

function allCaps(): string[] {
  let last = ALL_CAPS_FALLBACK;
  try {
    last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8').trim());
  } catch {
    /* keep the fallback */
  }
  const names = [
    'CHOWN', 'DAC_OVERRIDE', 'DAC_READ_SEARCH', 'FOWNER', 'FSETID', 'KILL', 'SETGID', 'SETUID', 'SETPCAP', 'LINUX_IMMUTABLE',
    'NET_BIND_SERVICE', 'NET_BROADCAST', 'NET_ADMIN', 'NET_RAW', 'IPC_LOCK', 'IPC_OWNER', 'SYS_MODULE', 'SYS_RAWIO', 'SYS_CHROOT',
    'SYS_PTRACE', 'SYS_PACCT', 'SYS_ADMIN', 'SYS_BOOT', 'SYS_NICE', 'SYS_RESOURCE', 'SYS_TIME', 'SYS_TTY_CONFIG', 'MKNOD', 'LEASE',
    'AUDIT_WRITE', 'AUDIT_CONTROL', 'SETFCAP', 'MAC_OVERRIDE', 'MAC_ADMIN', 'SYSLOG', 'WAKE_ALARM', 'BLOCK_SUSPEND', 'AUDIT_READ',
    'PERFMON', 'BPF', 'CHECKPOINT_RESTORE',
  ];
  return names.slice(0, last + 1).map((n) => `CAP_${n}`);
}

/** /etc/passwd and /etc/group of the container, for names in --user. */
function lookup(root: string | undefined, file: 'passwd' | 'group', name: string): string[] | undefined {
  if (!root) return undefined;
  try {
    for (const line of readFileSync(posix.join(root, 'etc', file), 'utf8').split('\n')) {
      const f = line.split(':');
      if (f[0] === name) return f;
    }
  } catch {
    /* no such file: numeric ids only */
  }
  return undefined;
}

export function parseUser(user: string, root: string | undefined): OciUser {
  const [u = '', g] = user.split(':');
  let uid: number;
  let gid = 0;
  if (/^\d+$/.test(u)) {
    uid = Number(u);
    const pw = lookup(root, 'passwd', u);
    if (pw) gid = Number(pw[3]);
  } else {
    const pw = lookup(root, 'passwd', u);
    if (!pw) throw invalidArgument('stratad', `unable to find user ${u}: no matching entries in passwd file`);
    uid = Number(pw[2]);
    gid = Number(pw[3]);
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const gr = lookup(root, 'group', g);
      if (!gr) throw invalidArgument('stratad', `unable to find group ${g}: no matching entries in group file`);
      gid = Number(gr[2]);
    }
  }
  return { uid, gid };
}

/**
 * The exec's process from the container's spec (JSON from lifecycled).
 * `root` is where the container's /etc is readable (for user names).
 */
export function execProcess(specJson: string, cfg: ExecConfig, root: string | undefined): OciProcess {
  let base: Partial<OciProcess> = {};
  try {
    base = (JSON.parse(specJson) as { process?: OciProcess }).process ?? {};
  } catch {
    base = {};
  }
  const env = new Map<string, string>();
  for (const e of [...(base.env ?? []), ...cfg.Env]) {
    const i = e.indexOf('=');
    env.set(i < 0 ? e : e.slice(0, i), e);
  }
  const proc: OciProcess = {
    ...base,
    terminal: cfg.Tty,
    args: cfg.Cmd,
    env: [...env.values()],
    cwd: cfg.WorkingDir || base.cwd || '/',
    user: cfg.User ? parseUser(cfg.User, root) : (base.user ?? { uid: 0, gid: 0 }),
  };
  if (cfg.Tty && !env.has('TERM')) proc.env = [...(proc.env ?? []), 'TERM=xterm'];
  if (cfg.Privileged) {
    const caps = allCaps();
    proc.capabilities = { bounding: caps, effective: caps, permitted: caps, inheritable: caps };
  }
  delete proc.consoleSize;
  return proc;
}
