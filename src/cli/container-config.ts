// `run`/`create` flags -> the POST /containers/create body, shaped like the
// docker CLI's (see ENGINE-API.md 3.4): Attach*/OpenStdin/StdinOnce from
// -i/-d, HostConfig limits, restart policy, binds and published ports.
import { intFlag, parseArgs, parseBytes, UsageError, type FlagSpec, type Parsed } from './args.ts';
import type { CreateContainerOptions, PortBinding, RestartPolicy } from '../client/types.ts';

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
  { name: 'expose', kind: 'list' },
  { name: 'volume', short: 'v', kind: 'list' },
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

/** -p [ip:][hostPort:]containerPort[/proto] */
export function parsePublish(specs: string[]): { exposed: Record<string, Record<string, never>>; bindings: Record<string, PortBinding[]> } {
  const exposed: Record<string, Record<string, never>> = {};
  const bindings: Record<string, PortBinding[]> = {};
  for (const spec of specs) {
    const [addr, proto = 'tcp'] = spec.split('/') as [string, string | undefined];
    const parts = addr.split(':');
    const container = parts.pop() as string;
    const hostPort = parts.pop() ?? '';
    const hostIp = parts.join(':').replace(/^\[|\]$/g, '');
    if (!/^\d+(-\d+)?$/.test(container) || (hostPort !== '' && !/^\d+(-\d+)?$/.test(hostPort))) throw new UsageError(`invalid port specification: "${spec}"`);
    const key = `${container}/${proto}`;
    exposed[key] = {};
    (bindings[key] ??= []).push({ HostIp: hostIp, HostPort: hostPort });
  }
  return { exposed, bindings };
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
      NetworkMode: p.values.get('network') ?? p.values.get('net') ?? 'default',
      PortBindings: bindings,
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
    NetworkingConfig: { EndpointsConfig: {} },
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
