// The default OCI runtime spec our tests start from: the same shape `runc spec`
// writes, with the namespaces, mounts and capabilities Docker gives a container.
import { DOCKER_CAPS, MASKED_PATHS as DEFAULT_MASKED_PATHS, READONLY_PATHS as DEFAULT_READONLY_PATHS } from '../../engine/lifecycle/containers/default-spec.ts';

// Docker's capability set and /proc paths: one list, the engine's own.
export { DEFAULT_MASKED_PATHS, DEFAULT_READONLY_PATHS, DOCKER_CAPS };

export interface OciUser { uid: number; gid: number; umask?: number; additionalGids?: number[] }
export interface OciMount { destination: string; type?: string; source?: string; options?: string[] }
export interface OciProcess {
  terminal?: boolean;
  consoleSize?: { height: number; width: number };
  user: OciUser;
  args: string[];
  env: string[];
  cwd: string;
  capabilities?: Record<'bounding' | 'effective' | 'inheritable' | 'permitted' | 'ambient', string[]>;
  rlimits?: { type: string; hard: number; soft: number }[];
  noNewPrivileges?: boolean;
  oomScoreAdj?: number;
}
export interface OciNamespace { type: string; path?: string }
export interface OciSpec {
  ociVersion: string;
  process: OciProcess;
  root: { path: string; readonly?: boolean };
  hostname?: string;
  mounts: OciMount[];
  hooks?: Record<string, { path: string; args?: string[]; env?: string[]; timeout?: number }[]>;
  annotations?: Record<string, string>;
  linux: {
    namespaces: OciNamespace[];
    uidMappings?: { containerID: number; hostID: number; size: number }[];
    gidMappings?: { containerID: number; hostID: number; size: number }[];
    resources?: Record<string, unknown>;
    cgroupsPath?: string;
    maskedPaths?: string[];
    readonlyPaths?: string[];
    sysctl?: Record<string, string>;
    seccomp?: Record<string, unknown>;
    devices?: Record<string, unknown>[];
    rootfsPropagation?: string;
  };
}

export interface SpecOptions {
  args?: string[];
  terminal?: boolean;
  hostname?: string;
  readonly?: boolean;
}

export function defaultSpec(options: SpecOptions = {}): OciSpec {
  const caps = [...DOCKER_CAPS];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: options.terminal ?? false,
      user: { uid: 0, gid: 0 },
      args: options.args ?? ['sh'],
      env: ['PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'TERM=xterm'],
      cwd: '/',
      capabilities: { bounding: caps, effective: caps, inheritable: [], permitted: caps, ambient: [] },
      rlimits: [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: true,
    },
    root: { path: 'rootfs', readonly: options.readonly ?? false },
    hostname: options.hostname ?? 'strata-test',
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
      { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
      { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'] },
    ],
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'network' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }],
      maskedPaths: [...DEFAULT_MASKED_PATHS],
      readonlyPaths: [...DEFAULT_READONLY_PATHS],
      resources: { devices: [{ allow: false, access: 'rwm' }] },
    },
  };
}

/** Capability numbers (linux/capability.h) of the names tests use. */
export const CAP_NUMBERS: Record<string, number> = {
  CAP_CHOWN: 0, CAP_DAC_OVERRIDE: 1, CAP_DAC_READ_SEARCH: 2, CAP_FOWNER: 3, CAP_FSETID: 4,
  CAP_KILL: 5, CAP_SETGID: 6, CAP_SETUID: 7, CAP_SETPCAP: 8, CAP_LINUX_IMMUTABLE: 9,
  CAP_NET_BIND_SERVICE: 10, CAP_NET_BROADCAST: 11, CAP_NET_ADMIN: 12, CAP_NET_RAW: 13,
  CAP_IPC_LOCK: 14, CAP_IPC_OWNER: 15, CAP_SYS_MODULE: 16, CAP_SYS_RAWIO: 17, CAP_SYS_CHROOT: 18,
  CAP_SYS_PTRACE: 19, CAP_SYS_PACCT: 20, CAP_SYS_ADMIN: 21, CAP_SYS_BOOT: 22, CAP_SYS_NICE: 23,
  CAP_SYS_RESOURCE: 24, CAP_SYS_TIME: 25, CAP_SYS_TTY_CONFIG: 26, CAP_MKNOD: 27, CAP_LEASE: 28,
  CAP_AUDIT_WRITE: 29, CAP_AUDIT_CONTROL: 30, CAP_SETFCAP: 31,
};

/** The CapEff/CapPrm/CapBnd mask /proc/<pid>/status shows for these capabilities. */
export function capMask(caps: string[]): bigint {
  let mask = 0n;
  for (const c of caps) {
    const n = CAP_NUMBERS[c];
    if (n === undefined) throw new Error(`capMask: unknown capability ${c}`);
    mask |= 1n << BigInt(n);
  }
  return mask;
}

interface DockerSeccompRule {
  names?: string[];
  name?: string;
  action: string;
  errnoRet?: number;
  args?: unknown[];
  includes?: { caps?: string[]; arches?: string[]; minKernel?: string };
  excludes?: { caps?: string[]; arches?: string[] };
}

interface DockerSeccompProfile {
  defaultAction: string;
  defaultErrnoRet?: number;
  architectures?: string[];
  archMap?: { architecture: string; subArchitectures?: string[] }[];
  syscalls?: DockerSeccompRule[];
}

/**
 * An OCI linux.seccomp from a seccomp profile file.  A plain OCI profile is
 * returned as is; Docker's profile format (archMap, includes/excludes by
 * capability and arch) is resolved the way dockerd does for an x86_64 host and
 * the given capabilities.
 */
export function ociSeccomp(profile: DockerSeccompProfile, caps: string[] = DOCKER_CAPS): Record<string, unknown> {
  const dockerish = profile.archMap !== undefined || (profile.syscalls ?? []).some((r) => r.includes || r.excludes);
  if (!dockerish) return profile as unknown as Record<string, unknown>;
  const goArch = 'amd64';
  const amd64 = profile.archMap?.find((a) => a.architecture === 'SCMP_ARCH_X86_64');
  const architectures = amd64 ? [amd64.architecture, ...(amd64.subArchitectures ?? [])] : ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32'];
  const syscalls: Record<string, unknown>[] = [];
  for (const rule of profile.syscalls ?? []) {
    const inc = rule.includes ?? {};
    const exc = rule.excludes ?? {};
    if (inc.caps && !inc.caps.every((c) => caps.includes(c))) continue;
    if (inc.arches && !inc.arches.includes(goArch)) continue;
    if (exc.caps && exc.caps.some((c) => caps.includes(c))) continue;
    if (exc.arches && exc.arches.includes(goArch)) continue;
    const names = rule.names ?? (rule.name ? [rule.name] : []);
    const out: Record<string, unknown> = { names, action: rule.action };
    if (rule.args && rule.args.length > 0) out.args = rule.args;
    if (rule.errnoRet !== undefined) out.errnoRet = rule.errnoRet;
    syscalls.push(out);
  }
  const result: Record<string, unknown> = { defaultAction: profile.defaultAction, architectures, syscalls };
  if (profile.defaultErrnoRet !== undefined) result.defaultErrnoRet = profile.defaultErrnoRet;
  return result;
}

/** Add a user namespace mapping container 0..size-1 to hostID.. (uids and gids). */
export function withUserNamespace(spec: OciSpec, hostID = 100000, size = 65536): OciSpec {
  if (!spec.linux.namespaces.some((n) => n.type === 'user')) spec.linux.namespaces.push({ type: 'user' });
  spec.linux.uidMappings = [{ containerID: 0, hostID, size }];
  spec.linux.gidMappings = [{ containerID: 0, hostID, size }];
  return spec;
}
