// The body of POST /containers/create, checked at the edge: wrong types are
// 400 with the field named, before anything is created.  Unknown fields are
// kept (clients send ~40 zero HostConfig fields we do not act on).
import { invalidArgument } from '../../errors.ts';
import { parseMountSpecs } from '../volumes/mount-spec.ts';
import type { DockerConfig, HostConfig, RestartPolicy } from './types.ts';

export interface CreateBody {
  config: DockerConfig;
  hostConfig: HostConfig;
}

type Obj = Record<string, unknown>;

const bad = (field: string, want: string, got: unknown) =>
  invalidArgument('stratad', `invalid ${field}: expected ${want}, got ${got === null ? 'null' : Array.isArray(got) ? 'array' : typeof got}`);

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(o: Obj, k: string, field: string): string {
  const v = o[k];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(field, 'a string', v);
  return v;
}

function bool(o: Obj, k: string, field: string): boolean {
  const v = o[k];
  if (v === undefined || v === null) return false;
  if (typeof v !== 'boolean') throw bad(field, 'a boolean', v);
  return v;
}

function int(o: Obj, k: string, field: string, min = -Infinity): number {
  const v = o[k];
  if (v === undefined || v === null) return 0;
  if (typeof v !== 'number' || !Number.isInteger(v)) throw bad(field, 'an integer', v);
  if (v < min) throw invalidArgument('stratad', `invalid ${field}: ${v} is below ${min}`);
  return v;
}

/** Docker accepts a string or a list for Cmd/Entrypoint (strslice). */
function strList(o: Obj, k: string, field: string): string[] | null {
  const v = o[k];
  if (v === undefined || v === null) return null;
  if (typeof v === 'string') return [v];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw bad(field, 'a list of strings', v);
  return v as string[];
}

function strMap(o: Obj, k: string, field: string): Record<string, string> {
  const v = o[k];
  if (v === undefined || v === null) return {};
  if (!isObj(v) || !Object.values(v).every((s) => typeof s === 'string')) throw bad(field, 'a map of strings', v);
  return v as Record<string, string>;
}

const POLICIES = new Set(['', 'no', 'always', 'unless-stopped', 'on-failure']);

function restartPolicy(h: Obj): RestartPolicy {
  const v = h.RestartPolicy;
  if (v === undefined || v === null) return { Name: 'no', MaximumRetryCount: 0 };
  if (!isObj(v)) throw bad('HostConfig.RestartPolicy', 'an object', v);
  const name = str(v, 'Name', 'HostConfig.RestartPolicy.Name');
  if (!POLICIES.has(name)) throw invalidArgument('stratad', `invalid restart policy: unknown policy '${name}'; use one of 'no', 'always', 'on-failure', or 'unless-stopped'`);
  const max = int(v, 'MaximumRetryCount', 'HostConfig.RestartPolicy.MaximumRetryCount', 0);
  if (max > 0 && name !== 'on-failure') throw invalidArgument('stratad', `invalid restart policy: maximum retry count can only be used with 'on-failure'`);
  return { Name: (name || 'no') as RestartPolicy['Name'], MaximumRetryCount: max };
}

export function parseCreateBody(body: unknown): CreateBody {
  if (body === undefined) throw invalidArgument('stratad', 'config cannot be empty in order to create a container');
  if (!isObj(body)) throw bad('body', 'a JSON object', body);
  const image = str(body, 'Image', 'Image');
  if (!image) throw invalidArgument('stratad', 'no image specified');
  const env = strList(body, 'Env', 'Env') ?? [];
  for (const e of env) if (e === '' || e.startsWith('=')) throw invalidArgument('stratad', `invalid environment variable: ${e}`);
  const config: DockerConfig = {
    ...body,
    Hostname: str(body, 'Hostname', 'Hostname'),
    Domainname: str(body, 'Domainname', 'Domainname'),
    User: str(body, 'User', 'User'),
    AttachStdin: bool(body, 'AttachStdin', 'AttachStdin'),
    AttachStdout: bool(body, 'AttachStdout', 'AttachStdout'),
    AttachStderr: bool(body, 'AttachStderr', 'AttachStderr'),
    Tty: bool(body, 'Tty', 'Tty'),
    OpenStdin: bool(body, 'OpenStdin', 'OpenStdin'),
    StdinOnce: bool(body, 'StdinOnce', 'StdinOnce'),
    Env: env,
    Cmd: strList(body, 'Cmd', 'Cmd') ?? [],
    Image: image,
    WorkingDir: str(body, 'WorkingDir', 'WorkingDir'),
    Entrypoint: strList(body, 'Entrypoint', 'Entrypoint'),
    Labels: strMap(body, 'Labels', 'Labels'),
    StopSignal: str(body, 'StopSignal', 'StopSignal') || undefined,
    StopTimeout: body.StopTimeout === undefined || body.StopTimeout === null ? undefined : int(body, 'StopTimeout', 'StopTimeout'),
  };
  delete config.HostConfig;
  delete config.NetworkingConfig;
  if (config.WorkingDir && !config.WorkingDir.startsWith('/')) throw invalidArgument('stratad', `the working directory '${config.WorkingDir}' is invalid, it needs to be an absolute path`);
  const h = body.HostConfig ?? {};
  if (!isObj(h)) throw bad('HostConfig', 'an object', h);
  const binds = strList(h, 'Binds', 'HostConfig.Binds');
  const pids = h.PidsLimit === undefined || h.PidsLimit === null ? null : int(h, 'PidsLimit', 'HostConfig.PidsLimit');
  const logConfig = isObj(h.LogConfig) ? h.LogConfig : {};
  const hostConfig: HostConfig = {
    ...h,
    Binds: binds,
    NetworkMode: str(h, 'NetworkMode', 'HostConfig.NetworkMode') || 'default',
    RestartPolicy: restartPolicy(h),
    AutoRemove: bool(h, 'AutoRemove', 'HostConfig.AutoRemove'),
    Privileged: bool(h, 'Privileged', 'HostConfig.Privileged'),
    CapAdd: strList(h, 'CapAdd', 'HostConfig.CapAdd'),
    CapDrop: strList(h, 'CapDrop', 'HostConfig.CapDrop'),
    ReadonlyRootfs: bool(h, 'ReadonlyRootfs', 'HostConfig.ReadonlyRootfs'),
    Memory: int(h, 'Memory', 'HostConfig.Memory', 0),
    MemorySwap: int(h, 'MemorySwap', 'HostConfig.MemorySwap', -1),
    NanoCpus: int(h, 'NanoCpus', 'HostConfig.NanoCpus', 0),
    CpuShares: int(h, 'CpuShares', 'HostConfig.CpuShares', 0),
    CpuQuota: int(h, 'CpuQuota', 'HostConfig.CpuQuota', -1),
    CpuPeriod: int(h, 'CpuPeriod', 'HostConfig.CpuPeriod', 0),
    PidsLimit: pids,
    ShmSize: int(h, 'ShmSize', 'HostConfig.ShmSize', 0),
    LogConfig: { Type: typeof logConfig.Type === 'string' && logConfig.Type ? logConfig.Type : 'json-file', Config: isObj(logConfig.Config) ? (logConfig.Config as Record<string, string>) : {} },
  };
  if (hostConfig.Memory > 0 && hostConfig.Memory < 6 * 1024 * 1024) throw invalidArgument('stratad', 'Minimum memory limit allowed is 6MB');
  if (hostConfig.NanoCpus > 0 && (hostConfig.CpuQuota > 0 || hostConfig.CpuPeriod > 0)) throw invalidArgument('stratad', 'Conflicting options: Nano CPUs and CPU Period cannot both be set');
  if (hostConfig.AutoRemove && hostConfig.RestartPolicy.Name !== 'no' && hostConfig.RestartPolicy.Name !== '') throw invalidArgument('stratad', "can't create 'AutoRemove' container with restart policy");
  parseMountSpecs(hostConfig, config); // -v, --mount, --tmpfs, Volumes, --volumes-from: 400 before anything is made
  return { config, hostConfig };
}

const NAME_RE = /^\/?[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export function checkName(name: string): string {
  if (!NAME_RE.test(name)) throw invalidArgument('stratad', `Invalid container name (${name}), only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
  return name.replace(/^\//, '');
}
