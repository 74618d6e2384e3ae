// The OCI spec a container gets when Create names no spec: the image's
// runtime config plus Docker's defaults (moby oci/defaults.go and
// daemon/oci_linux.go): its capability set, masked and read-only /proc paths,
// default mounts, device rules and namespaces (pid, ipc, uts, mount, network).
import type { ImageRuntimeConfig } from '../images/types.ts';
import { invalidArgument } from '../../errors.ts';

export interface OciSpec {
  ociVersion: string;
  process: {
    terminal: boolean;
    user: { uid: number; gid: number; additionalGids?: number[] };
    args: string[];
    env: string[];
    cwd: string;
    capabilities: Record<'bounding' | 'effective' | 'permitted' | 'inheritable' | 'ambient', string[]>;
    rlimits: { type: string; hard: number; soft: number }[];
    noNewPrivileges: boolean;
  };
  root: { path: string; readonly: boolean };
  hostname: string;
  mounts: { destination: string; type: string; source: string; options: string[] }[];
  linux: {
    namespaces: { type: string }[];
    cgroupsPath: string;
    maskedPaths: string[];
    readonlyPaths: string[];
    resources: { devices: { allow: boolean; type?: string; major?: number; minor?: number; access: string }[] };
  };
}

export const DOCKER_CAPS = [
  'CAP_CHOWN', 'CAP_DAC_OVERRIDE', 'CAP_FSETID', 'CAP_FOWNER', 'CAP_MKNOD', 'CAP_NET_RAW',
  'CAP_SETGID', 'CAP_SETUID', 'CAP_SETFCAP', 'CAP_SETPCAP', 'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT', 'CAP_KILL', 'CAP_AUDIT_WRITE',
];

export const MASKED_PATHS = [
  '/proc/asound', '/proc/acpi', '/proc/interrupts', '/proc/kcore', '/proc/keys', '/proc/latency_stats',
  '/proc/timer_list', '/proc/timer_stats', '/proc/sched_debug', '/proc/scsi',
  '/sys/firmware', '/sys/devices/virtual/powercap',
];

export const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

type Mount = OciSpec['mounts'][number];
type DeviceRule = OciSpec['linux']['resources']['devices'][number];

/** Docker's default mounts (moby oci/defaults.go). */
export const DEFAULT_MOUNTS: readonly Mount[] = [
  { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev', type: 'tmpfs', source: 'tmpfs', options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'] },
  { destination: '/dev/pts', type: 'devpts', source: 'devpts', options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'] },
  { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
  { destination: '/sys/fs/cgroup', type: 'cgroup', source: 'cgroup', options: ['ro', 'nosuid', 'noexec', 'nodev'] },
  { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
  { destination: '/dev/shm', type: 'tmpfs', source: 'shm', options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'] },
];

/** Deny all, then Docker's default device allow-list (moby oci/devices_linux.go). */
export const DEFAULT_DEVICES: readonly DeviceRule[] = [
  { allow: false, access: 'rwm' },
  { allow: true, type: 'c', major: 1, minor: 3, access: 'rwm' }, // null
  { allow: true, type: 'c', major: 1, minor: 5, access: 'rwm' }, // zero
  { allow: true, type: 'c', major: 1, minor: 7, access: 'rwm' }, // full
  { allow: true, type: 'c', major: 1, minor: 8, access: 'rwm' }, // random
  { allow: true, type: 'c', major: 1, minor: 9, access: 'rwm' }, // urandom
  { allow: true, type: 'c', major: 5, minor: 0, access: 'rwm' }, // tty
  { allow: true, type: 'c', major: 5, minor: 1, access: 'rwm' }, // console
  { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // ptmx
  { allow: true, type: 'c', major: 136, access: 'rwm' }, // pts/*
  { allow: true, type: 'c', major: 10, minor: 200, access: 'rwm' }, // tun
];

/** containerd's default spec. */
export const DEFAULT_RLIMITS: readonly { type: string; hard: number; soft: number }[] = [{ type: 'RLIMIT_NOFILE', hard: 1024, soft: 1024 }];

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface SpecInput {
  id: string;
  image: ImageRuntimeConfig;
  args?: string[];
  env?: string[];
  tty?: boolean;
  hostname?: string;
  /** cgroup parent, e.g. "/strata": the container gets <parent>/<id>. */
  cgroupParent: string;
  /** The image user's ids when it names a user (Images.ResolveUser); else it must be numeric. */
  user?: { uid: number; gid: number; additional_gids: number[] };
}

/** "uid[:gid]" numeric, or "root"; names need the image's /etc/passwd, which is not read here. */
function parseUser(user: string): { uid: number; gid: number } {
  if (user === '' || user === 'root') return { uid: 0, gid: 0 };
  const m = /^(\d+)(?::(\d+))?$/.exec(user);
  if (!m || m[1] === undefined) throw invalidArgument('lifecycled', `image user "${user}": only numeric uid[:gid] is supported`);
  const uid = Number(m[1]);
  return { uid, gid: m[2] === undefined ? uid : Number(m[2]) };
}

function ociUser(u: { uid: number; gid: number; additional_gids: number[] }): { uid: number; gid: number; additionalGids?: number[] } {
  return u.additional_gids.length > 0 ? { uid: u.uid, gid: u.gid, additionalGids: [...u.additional_gids] } : { uid: u.uid, gid: u.gid };
}

/** env with later KEY=VALUE entries replacing earlier ones of the same key, order kept. */
export function mergeEnv(...lists: string[][]): string[] {
  const byKey = new Map<string, string>();
  for (const list of lists) for (const kv of list) byKey.set(kv.split('=')[0] ?? kv, kv);
  return [...byKey.values()];
}

export function defaultSpec(input: SpecInput): OciSpec {
  const cmd = input.args && input.args.length > 0 ? input.args : input.image.cmd;
  const args = [...input.image.entrypoint, ...cmd];
  if (args.length === 0) throw invalidArgument('lifecycled', 'no command: the image has no entrypoint or cmd and none was given');
  const tty = input.tty === true;
  const env = mergeEnv([DEFAULT_PATH], input.image.env, tty ? ['TERM=xterm'] : [], input.env ?? []);
  const caps = [...DOCKER_CAPS];
  return {
    ociVersion: '1.0.2',
    process: {
      terminal: tty,
      user: input.user ? ociUser(input.user) : parseUser(input.image.user),
      args,
      env,
      cwd: input.image.workingDir || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps, inheritable: [], ambient: [] },
      rlimits: DEFAULT_RLIMITS.map((r) => ({ ...r })),
      noNewPrivileges: false,
    },
    root: { path: 'rootfs', readonly: false },
    hostname: input.hostname || input.id.slice(0, 12),
    mounts: DEFAULT_MOUNTS.map((m) => ({ ...m, options: [...m.options] })),
    linux: {
      namespaces: [{ type: 'pid' }, { type: 'ipc' }, { type: 'uts' }, { type: 'mount' }, { type: 'network' }],
      cgroupsPath: `${input.cgroupParent.replace(/\/+$/, '')}/${input.id}`,
      maskedPaths: [...MASKED_PATHS],
      readonlyPaths: [...READONLY_PATHS],
      resources: {
        devices: DEFAULT_DEVICES.map((d) => ({ ...d })),
      },
    },
  };
}
