// Docker config -> OCI spec (moby daemon/oci_linux.go, oci/defaults.go):
// lifecycled's default spec for the image is the base (its mounts, device
// rules, cgroup parent), Docker's defaults come from the shared lists in
// lifecycle/containers/default-spec.ts and seccomp-default.json (Docker's
// default profile in OCI form), then the container's HostConfig on top.
//
// Networking: every NetworkMode except "host" gets a private network
// namespace, configured by network/manager.ts between Tasks.Create and
// Tasks.Start; "container:X" joins X's through `netnsPath`; "host" shares
// the host's.  Volumes, binds and tmpfs come resolved on the record
// (volumes/mounts.ts); one on a default mount's path replaces it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { DOCKER_CAPS, MASKED_PATHS, READONLY_PATHS, mergeEnv } from '../../lifecycle/containers/default-spec.ts';
import { invalidArgument } from '../../errors.ts';
import { REPO_ROOT } from '../../install-paths.ts';
import { ociMounts } from '../volumes/mounts.ts';
import type { ImageConfig } from './image-config.ts';
import type { ContainerRecord } from './types.ts';

// By the repo root: the same path from engine/**/*.ts and from the dist/ bundle.
const SECCOMP_FILE = join(REPO_ROOT, 'engine', 'daemon', 'seccomp-default.json');
let seccompProfile: unknown;

/** Docker's default seccomp profile; read once. */
export function defaultSeccomp(): unknown {
  if (seccompProfile === undefined) seccompProfile = JSON.parse(readFileSync(SECCOMP_FILE, 'utf8'));
  return seccompProfile;
}

export const ALL_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_DAC_READ_SEARCH', 'CAP_FOWNER', 'CAP_FSETID', 'CAP_KILL', 'CAP_SETGID', 'CAP_SETUID',
  'CAP_SETPCAP', 'CAP_LINUX_IMMUTABLE', 'CAP_NET_BIND_SERVICE', 'CAP_NET_BROADCAST', 'CAP_NET_ADMIN', 'CAP_NET_RAW',
  'CAP_IPC_LOCK', 'CAP_IPC_OWNER', 'CAP_SYS_MODULE', 'CAP_SYS_RAWIO', 'CAP_SYS_CHROOT', 'CAP_SYS_PTRACE', 'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN', 'CAP_SYS_BOOT', 'CAP_SYS_NICE', 'CAP_SYS_RESOURCE', 'CAP_SYS_TIME', 'CAP_SYS_TTY_CONFIG', 'CAP_MKNOD',
  'CAP_LEASE', 'CAP_AUDIT_WRITE', 'CAP_AUDIT_CONTROL', 'CAP_SETFCAP', 'CAP_MAC_OVERRIDE', 'CAP_MAC_ADMIN', 'CAP_SYSLOG',
  'CAP_WAKE_ALARM', 'CAP_BLOCK_SUSPEND', 'CAP_AUDIT_READ', 'CAP_PERFMON', 'CAP_BPF', 'CAP_CHECKPOINT_RESTORE',
];

function capName(c: string): string {
  const u = c.toUpperCase();
  return u === 'ALL' ? 'ALL' : u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** Docker's TweakCapabilities: defaults, + CapAdd, - CapDrop ("ALL" allowed on either side). */
export function capabilities(add: string[] | null, drop: string[] | null, privileged: boolean): string[] {
  if (privileged) return [...ALL_CAPS];
  const a = (add ?? []).map(capName);
  const d = (drop ?? []).map(capName);
  for (const c of [...a, ...d]) if (c !== 'ALL' && !ALL_CAPS.includes(c)) throw invalidArgument('stratad', `unknown capability: "${c}"`);
  let caps = a.includes('ALL') ? [...ALL_CAPS] : [...DOCKER_CAPS];
  if (d.includes('ALL')) caps = [];
  caps = caps.filter((c) => !d.includes(c));
  for (const c of a) if (c !== 'ALL' && !caps.includes(c)) caps.push(c);
  return caps;
}

/** The OCI user: the ids image-config.ts resolved inside the image (lifecycled's Images.ResolveUser) for the container's or the image's user. */
function parseUser(img: ImageConfig): { uid: number; gid: number; additionalGids?: number[] } {
  const { uid, gid, additionalGids } = img.processUser;
  return additionalGids.length > 0 ? { uid, gid, additionalGids } : { uid, gid };
}

/** The process Docker reports (Path, Args) and the merged Cmd/Entrypoint. */
export function command(rec: Pick<ContainerRecord, 'config'>, img: ImageConfig): { argv: string[]; entrypoint: string[]; cmd: string[] } {
  const c = rec.config;
  // Docker: an explicit Entrypoint resets the image's Cmd.
  const entrypoint = c.Entrypoint !== null ? c.Entrypoint : img.entrypoint;
  const cmd = c.Cmd.length > 0 ? c.Cmd : c.Entrypoint !== null ? [] : img.cmd;
  return { argv: [...entrypoint, ...cmd], entrypoint, cmd };
}

export interface SpecFiles {
  hostname: string;
  hosts: string;
  resolvConf: string;
}

export interface SpecInput {
  rec: ContainerRecord;
  img: ImageConfig;
  lcId: string;
  files: SpecFiles;
  cgroupV2: boolean;
  /** An existing network namespace to join (container:X). */
  netnsPath?: string;
}

type Json = Record<string, unknown>;

export function buildSpec({ rec, img, lcId, files, cgroupV2, netnsPath }: SpecInput): Json {
  const c = rec.config;
  const h = rec.hostConfig;
  const { argv } = command(rec, img);
  if (argv.length === 0) throw invalidArgument('stratad', 'no command specified');
  const caps = capabilities(h.CapAdd, h.CapDrop, h.Privileged);
  const hostname = c.Hostname || rec.id.slice(0, 12);
  const env = mergeEnv(img.env, [`HOSTNAME=${hostname}`], c.Tty ? ['TERM=xterm'] : [], c.Env);
  const shmSize = h.ShmSize > 0 ? h.ShmSize : 64 * 1024 * 1024;
  const user = ociMounts(rec.mounts ?? []);
  const taken = new Set(user.map((m) => m.destination));
  const mounts = img.baseSpec.mounts.filter((m) => !taken.has(m.destination)).map((m) => {
    if (m.destination === '/dev/shm') return { ...m, options: [...m.options.filter((o) => !o.startsWith('size=')), `size=${shmSize}`] };
    if (h.Privileged && m.destination === '/sys') return { ...m, options: m.options.filter((o) => o !== 'ro') };
    return m;
  });
  const bind = (src: string, dst: string, ro: boolean) => ({ destination: dst, type: 'bind', source: src, options: ['rbind', 'rprivate', ...(ro ? ['ro'] : [])] });
  const etc = [bind(files.hostname, '/etc/hostname', false), bind(files.hosts, '/etc/hosts', false), bind(files.resolvConf, '/etc/resolv.conf', false)];
  mounts.push(...etc.filter((m) => !taken.has(m.destination)), ...user);
  const namespaces: { type: string; path?: string }[] = [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }];
  if (h.NetworkMode !== 'host') namespaces.push(netnsPath ? { type: 'network', path: netnsPath } : { type: 'network' });
  if (cgroupV2) namespaces.push({ type: 'cgroup' });
  const resources: Json = {
    devices: h.Privileged ? [{ allow: true, access: 'rwm' }] : img.baseSpec.linux.resources?.devices ?? [],
  };
  const memory: Json = {};
  if (h.Memory > 0) {
    memory.limit = h.Memory;
    // moby: Memory without MemorySwap gets twice the memory as memory+swap.
    memory.swap = h.MemorySwap === 0 ? 2 * h.Memory : h.MemorySwap;
  }
  if (Object.keys(memory).length) resources.memory = memory;
  const cpu: Json = {};
  if (h.NanoCpus > 0) {
    cpu.period = 100000;
    cpu.quota = Math.round((h.NanoCpus * 100000) / 1e9);
  }
  if (h.CpuQuota > 0) cpu.quota = h.CpuQuota;
  if (h.CpuPeriod > 0) cpu.period = h.CpuPeriod;
  if (h.CpuShares > 0) cpu.shares = h.CpuShares;
  if (Object.keys(cpu).length) resources.cpu = cpu;
  if (h.PidsLimit !== null && h.PidsLimit !== 0) resources.pids = { limit: h.PidsLimit > 0 ? h.PidsLimit : -1 };
  const securityOpt = Array.isArray(h.SecurityOpt) ? (h.SecurityOpt as unknown[]).filter((s): s is string => typeof s === 'string') : [];
  const unconfined = h.Privileged || securityOpt.some((s) => /^seccomp[=:]unconfined$/.test(s));
  const noNewPrivs = securityOpt.some((s) => /^no-new-privileges(=true|:true)?$/.test(s));
  const linux: Json = {
    namespaces,
    cgroupsPath: `${img.cgroupParent}/${lcId}`,
    resources,
    maskedPaths: h.Privileged ? [] : [...MASKED_PATHS],
    readonlyPaths: h.Privileged ? [] : [...READONLY_PATHS],
  };
  if (!unconfined) linux.seccomp = defaultSeccomp();
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: c.Tty,
      user: parseUser(img),
      args: argv,
      env,
      cwd: c.WorkingDir || img.workingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      // lifecycled's (containerd's) default: raising past the host's nr_open fails.
      rlimits: img.baseSpec.process.rlimits ?? [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }],
      noNewPrivileges: noNewPrivs,
    },
    root: { path: 'rootfs', readonly: h.ReadonlyRootfs },
    hostname,
    mounts,
    linux,
  };
}
