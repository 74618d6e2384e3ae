// `run`/`create` flags -> the POST /containers/create body, shaped like the
// docker CLI's (see ENGINE-API.md 3.4): Attach*/OpenStdin/StdinOnce from
// -i/-d, HostConfig limits, restart policy, binds and published ports.
import { intFlag, parseArgs, parseBytes, UsageError, type FlagSpec, type Parsed } from './args.ts';
import type { CreateContainerOptions, PortBinding, RestartPolicy } from '../client/types.ts';
import { parseMountFlag, parseTmpfsFlags } from './mount-flag.ts';

export const CREATE_FLAGS: FlagSpec[] = [
  { name: 'detach', short: 'd', kind: 'bool' },
  { name: 'interactive', short: 'i', kind: 'bool' },
  { name: 'tty', short: 't', kind: 'bool' },
  { name: 'rm', kind: 'bool' },
  { name: 'name', kind: 'value' },
  { name: 'env', short: 'e', kind: 'list' },
  { name: 'workdir', short: 'w', kind: 'value' },
  { name: 'user', short: 'u', kind: 'value' },
  { name: 'publish', short: 'p', kind: 'list' },
  { name: 'publish-all', short: 'P', kind: 'bool' },
  { name: 'network-alias', kind: 'list' },
  { name: 'ip', kind: 'value' },
  { name: 'expose', kind: 'list' },
  { name: 'volume', short: 'v', kind: 'list' },
  { name: 'mount', kind: 'list' },
  { name: 'tmpfs', kind: 'list' },
  { name: 'volumes-from', kind: 'list' },
  { name: 'memory', short: 'm', kind: 'value' },
  { name: 'cpus', kind: 'value' },
  { name: 'pids-limit', kind: 'value' },
  { name: 'network', kind: 'value' },
  { name: 'net', kind: 'value' },
  { name: 'entrypoint', kind: 'value' },
  { name: 'restart', kind: 'value' },
  { name: 'label', short: 'l', kind: 'list' },
  { name: 'hostname', short: 'h', kind: 'value' },
  { name: 'privileged', kind: 'bool' },
  { name: 'read-only', kind: 'bool' },
  { name: 'cap-add', kind: 'list' },
  { name: 'cap-drop', kind: 'list' },
  { name: 'security-opt', kind: 'list' },
  { name: 'stop-signal', kind: 'value' },
  { name: 'stop-timeout', kind: 'value' },
  { name: 'sig-proxy', kind: 'bool' },
  { name: 'detach-keys', kind: 'value' },
  { name: 'platform', kind: 'value' },
  { name: 'pull', kind: 'value' },
  { name: 'init', kind: 'bool' },
];

export interface CreateRequest {
  name: string | undefined;
  image: string;
  body: CreateContainerOptions;
  parsed: Parsed;
}

export function parseRestart(s: string): RestartPolicy {
  const [name, count] = s.split(':');
  if (name === 'on-failure') {
    if (count !== undefined && !/^\d+$/.test(count)) throw new UsageError(`invalid restart policy: maximum retry count must be an integer: ${s}`);
    return { Name: 'on-failure', MaximumRetryCount: count ? Number(count) : 0 };
  }
  if (count !== undefined) throw new UsageError(`invalid restart policy: maximum retry count can only be used with 'on-failure': ${s}`);
  if (name === 'no' || name === 'always' || name === 'unless-stopped') return { Name: name, MaximumRetryCount: 0 };
  throw new UsageError(`invalid restart policy '${s}'`);
}

const PORT_RANGE = /^(\d{1,5})(?:-(\d{1,5}))?$/;

/** "80" or "8000-8010", each port 1-65535, ranges ascending; undefined when malformed. */
function portRange(text: string): [number, number] | undefined {
  const m = PORT_RANGE.exec(text);
  if (!m) return undefined;
  const lo = Number(m[1]);
  const hi = m[2] === undefined ? lo : Number(m[2]);
  return lo >= 1 && hi <= 65535 && lo <= hi ? [lo, hi] : undefined;
}

/**
 * -p [ip:][hostPort:]containerPort[/tcp|udp], as the docker CLI reads it:
 * a container range maps onto an equal host range (or each onto "any free
 * port"); a host range with one container port means "the first free one".
 */
export function parsePublish(specs: string[]): { exposed: Record<string, Record<string, never>>; bindings: Record<string, PortBinding[]> } {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const spec of specs) {
    const bad = (why: string) => new UsageError(`invalid port specification: "${spec}": ${why}`);
    const slash = spec.lastIndexOf('/');
    const addr = slash >= 0 ? spec.slice(0, slash) : spec;
    const proto = slash >= 0 ? spec.slice(slash + 1) : 'tcp';
    if (proto !== 'tcp' && proto !== 'udp') throw bad(`protocol must be tcp or udp, not "${proto}"`);
    const parts = addr.split(':');
    const container = parts.pop() ?? '';
    const hostPort = parts.pop() ?? '';
    const hostIp = parts.join(':').replace(/^\[|\]$/g, '');
    if (hostIp !== '' && !/^(\d{1,3}\.){3}\d{1,3}$/.test(hostIp) && !hostIp.includes(':')) throw bad(`"${hostIp}" is not an IP address`);
    const cr = portRange(container);
    if (!cr) throw bad(`container port "${container}" is not a port or range in 1-65535`);
    const hr = hostPort === '' ? undefined : portRange(hostPort);
    if (hostPort !== '' && !hr) throw bad(`host port "${hostPort}" is not a port or range in 1-65535`);
    const count = cr[1] - cr[0] + 1;
    if (hr && count > 1 && hr[1] - hr[0] + 1 !== count) throw bad('host and container port ranges differ in size');
    for (let i = 0; i < count; i++) {
      const key = `${cr[0] + i}/${proto}`;
      const host = !hr ? '' : count > 1 ? String(hr[0] + i) : hostPort;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: hostIp, HostPort: host });
    }
  }
  return { exposed, bindings };
}

/** --network, --network-alias and --ip -> NetworkMode and NetworkingConfig.EndpointsConfig. */
function networking(p: Parsed): { mode: string; endpoints: Record<string, { Aliases?: string[]; IPAMConfig?: { IPv4Address: string } }> } {
  const mode = p.values.get('network') ?? p.values.get('net') ?? 'default';
  const aliases = p.lists.get('network-alias') ?? [];
  const ip = p.values.get('ip');
  const userNet = mode !== 'default' && mode !== 'bridge' && mode !== 'host' && mode !== 'none' && !mode.startsWith('container:');
  if ((aliases.length || ip) && !userNet) throw new UsageError('--network-alias and --ip need a user-defined network (--network NAME)');
  if (!aliases.length && !ip) return { mode, endpoints: {} };
  return { mode, endpoints: { [mode]: { ...(aliases.length ? { Aliases: aliases } : {}), ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) } } };
}

function envList(values: string[]): string[] {
  // `-e NAME` passes NAME through from our environment, and drops it when unset.
  return values.flatMap((v) => (v.includes('=') ? [v] : process.env[v] !== undefined ? [`${v}=${process.env[v]}`] : []));
}

function labels(values: string[]): Record<string, string> {
  return Object.fromEntries(values.map((l) => (l.includes('=') ? [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)] : [l, ''])));
}

/** Parse `run`/`create` arguments: [OPTIONS] IMAGE [COMMAND] [ARG...]. */
export function parseCreate(argv: string[], consoleSize?: [number, number]): CreateRequest {
  const p = parseArgs(argv, CREATE_FLAGS, { stopAfter: 1 });
  const [image, ...cmd] = p.positionals;
  if (image === undefined) throw new UsageError('"run" requires at least 1 argument');
  const list = (n: string) => p.lists.get(n) ?? [];
  const detach = p.bools.has('detach');
  const interactive = p.bools.has('interactive');
  const tty = p.bools.has('tty');
  const { exposed, bindings } = parsePublish(list('publish'));
  const net = networking(p);
  for (const e of list('expose')) exposed[e.includes('/') ? e : `${e}/tcp`] = {};
  const binds = list('volume').filter((v) => v.includes(':'));
  const anonymous = Object.fromEntries(list('volume').filter((v) => !v.includes(':')).map((v) => [v, {}]));
  const cpus = p.values.get('cpus');
  if (cpus !== undefined && !(Number(cpus) >= 0)) throw new UsageError(`invalid argument "${cpus}" for "--cpus" flag`);
  const memory = p.values.get('memory');
  const entrypoint = p.values.get('entrypoint');
  const stopTimeout = intFlag(p, 'stop-timeout');
  const body: CreateContainerOptions = {
    Hostname: p.values.get('hostname') ?? '',
    User: p.values.get('user') ?? '',
    AttachStdin: interactive && !detach,
    AttachStdout: !detach,
    AttachStderr: !detach,
    ExposedPorts: exposed,
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: interactive && !detach,
    Env: envList(list('env')),
    Cmd: cmd.length > 0 ? cmd : null,
    Image: image,
    WorkingDir: p.values.get('workdir') ?? '',
    Entrypoint: entrypoint === undefined ? null : entrypoint === '' ? [''] : [entrypoint],
    Labels: labels(list('label')),
    ...(p.values.has('stop-signal') ? { StopSignal: p.values.get('stop-signal') } : {}),
    ...(stopTimeout !== undefined ? { StopTimeout: stopTimeout } : {}),
    HostConfig: {
      Binds: binds,
      ...(list('mount').length ? { Mounts: list('mount').map(parseMountFlag) } : {}),
      ...(list('tmpfs').length ? { Tmpfs: parseTmpfsFlags(list('tmpfs')) } : {}),
      ...(list('volumes-from').length ? { VolumesFrom: list('volumes-from') } : {}),
      NetworkMode: net.mode,
      PortBindings: bindings,
      PublishAllPorts: p.bools.has('publish-all'),
      RestartPolicy: parseRestart(p.values.get('restart') ?? 'no'),
      AutoRemove: p.bools.has('rm'),
      ConsoleSize: tty && consoleSize ? consoleSize : [0, 0],
      LogConfig: { Type: '', Config: {} },
      Memory: memory !== undefined ? parseBytes(memory) : 0,
      NanoCpus: cpus !== undefined ? Math.round(Number(cpus) * 1e9) : 0,
      PidsLimit: intFlag(p, 'pids-limit') ?? null,
      Privileged: p.bools.has('privileged'),
      ReadonlyRootfs: p.bools.has('read-only'),
      CapAdd: list('cap-add'),
      CapDrop: list('cap-drop'),
      SecurityOpt: list('security-opt'),
      Init: p.bools.has('init') || null,
    },
    NetworkingConfig: { EndpointsConfig: net.endpoints },
  };
  if (Object.keys(anonymous).length > 0) (body as Record<string, unknown>).Volumes = anonymous;
  return { name: p.values.get('name'), image, body, parsed: p };
}

/** Split an image reference into what POST /images/create?fromImage=&tag= wants. */
export function splitReference(ref: string): { image: string; tag: string } {
  const at = ref.indexOf('@');
  if (at >= 0) return { image: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { image: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { image: ref, tag: 'latest' };
}
