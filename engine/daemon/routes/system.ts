// System routes: _ping, version, info, events, system df.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { arch, cpus, hostname, release, totalmem } from 'node:os';
import { promisify } from 'node:util';

import { DEFAULT_RUNTIME, DEFAULT_SHIM } from '../../install-paths.ts';
import { invalidArgument } from '../../errors.ts';
import { API_VERSION, MIN_API_VERSION, STRATAD_VERSION } from '../api-version.ts';
import { cgroupV2 } from '../containers/cgroup.ts';
import { summary } from '../containers/present.ts';
import { matchesFilter, type DockerEvent, type EventFilter } from '../events.ts';
import type { Route, RouteContext } from '../http-types.ts';
import { commonHeaders } from '../server.ts';
import { services } from '../services.ts';
import { checkFilterKeys, parseFilters, startStream } from './util.ts';

const run = promisify(execFile);
const GOARCH: Record<string, string> = { x64: 'amd64', arm64: 'arm64', arm: 'arm', ia32: '386', ppc64: 'ppc64le', s390x: 's390x' };
const goArch = () => GOARCH[arch()] ?? arch();

async function ping(ctx: RouteContext): Promise<void> {
  const headers = {
    ...commonHeaders(),
    'Builder-Version': '1',
    Swarm: 'inactive',
    'Cache-Control': 'no-cache, no-store, must-revalidate',
    Pragma: 'no-cache',
    'Content-Type': 'text/plain; charset=utf-8',
  };
  if (ctx.req.method === 'HEAD') {
    ctx.res.writeHead(200, { ...headers, 'Content-Length': '0' }).end();
    return;
  }
  ctx.res.writeHead(200, { ...headers, 'Content-Length': '2' }).end('OK');
}

let runtimeVersion: Promise<string> | undefined;
/** `strata-runtime --version`, first line's version word. */
function strataRuntimeVersion(): Promise<string> {
  runtimeVersion ??= run(DEFAULT_RUNTIME, ['--version'], { timeout: 5000 }).then(
    (r) => /version\s+(\S+)/i.exec(r.stdout)?.[1] ?? r.stdout.split('\n')[0]?.trim() ?? 'unknown',
    () => 'unknown',
  );
  return runtimeVersion;
}

function osRelease(): { pretty: string; version: string } {
  try {
    const text = readFileSync('/etc/os-release', 'utf8');
    const get = (k: string) => new RegExp(`^${k}="?([^"\\n]*)"?`, 'm').exec(text)?.[1] ?? '';
    return { pretty: get('PRETTY_NAME') || 'Linux', version: get('VERSION_ID') };
  } catch {
    return { pretty: 'Linux', version: '' };
  }
}

async function version(ctx: RouteContext): Promise<void> {
  const s = services();
  const [lc, rt] = await Promise.all([s.lifecycle.version().catch(() => undefined), strataRuntimeVersion()]);
  const components = [
    { Name: 'Engine', Version: STRATAD_VERSION, Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Arch: goArch(), Os: 'linux', KernelVersion: release(), GitCommit: '', GoVersion: process.version, BuildTime: '', Experimental: 'false' } },
    { Name: 'strata-lifecycled', Version: lc?.version ?? 'unreachable', Details: { GitCommit: lc?.revision ?? '' } },
    { Name: 'strata-shim', Version: STRATAD_VERSION, Details: { Path: DEFAULT_SHIM } },
    { Name: 'strata-runtime', Version: rt, Details: { Path: DEFAULT_RUNTIME } },
  ];
  ctx.json(200, {
    Platform: { Name: 'strata' },
    Components: components,
    Version: STRATAD_VERSION,
    ApiVersion: API_VERSION,
    MinAPIVersion: MIN_API_VERSION,
    GitCommit: '',
    GoVersion: process.version,
    Os: 'linux',
    Arch: goArch(),
    KernelVersion: release(),
    Experimental: false,
    BuildTime: '',
  });
}

async function info(ctx: RouteContext): Promise<void> {
  const s = services();
  const recs = s.store.list();
  const count = (st: string[]) => recs.filter((r) => st.includes(r.state.Status)).length;
  const images = await s.lifecycle.images.list().catch(() => []);
  const lc = await s.lifecycle.version().catch(() => undefined);
  const os = osRelease();
  const v2 = cgroupV2();
  ctx.json(200, {
    ID: hostname(),
    Containers: recs.length,
    ContainersRunning: count(['running', 'restarting']),
    ContainersPaused: count(['paused']),
    ContainersStopped: count(['created', 'exited', 'dead', 'removing']),
    Images: images.length,
    Driver: 'overlay',
    DriverStatus: [],
    DockerRootDir: s.paths.dataRoot,
    Plugins: { Volume: ['local'], Network: ['bridge', 'host', 'null'], Authorization: null, Log: ['json-file'] },
    MemoryLimit: true,
    SwapLimit: true,
    CpuCfsPeriod: true,
    CpuCfsQuota: true,
    CPUShares: true,
    CPUSet: true,
    PidsLimit: true,
    OomKillDisable: !v2,
    IPv4Forwarding: false,
    Debug: false,
    NFd: 0,
    NGoroutines: 0,
    SystemTime: new Date().toISOString(),
    LoggingDriver: 'json-file',
    CgroupDriver: 'cgroupfs',
    CgroupVersion: v2 ? '2' : '1',
    NEventsListener: s.events.listeners,
    KernelVersion: release(),
    OperatingSystem: os.pretty,
    OSVersion: os.version,
    OSType: 'linux',
    Architecture: arch() === 'x64' ? 'x86_64' : arch(),
    NCPU: cpus().length,
    MemTotal: totalmem(),
    IndexServerAddress: 'https://index.docker.io/v1/',
    RegistryConfig: { IndexConfigs: {}, InsecureRegistryCIDRs: ['127.0.0.0/8'], Mirrors: [] },
    HttpProxy: '',
    HttpsProxy: '',
    NoProxy: '',
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: STRATAD_VERSION,
    Runtimes: { 'strata-runtime': { path: DEFAULT_RUNTIME } },
    DefaultRuntime: 'strata-runtime',
    Swarm: { NodeID: '', NodeAddr: '', LocalNodeState: 'inactive', ControlAvailable: false, Error: '', RemoteManagers: null },
    LiveRestoreEnabled: true,
    Isolation: '',
    InitBinary: '',
    ContainerdCommit: { ID: lc?.revision ?? '' },
    RuncCommit: { ID: await strataRuntimeVersion() },
    InitCommit: { ID: '' },
    SecurityOptions: ['name=seccomp,profile=builtin', ...(v2 ? ['name=cgroupns'] : [])],
    DefaultAddressPools: [],
    Warnings: [],
    CDISpecDirs: [],
    Containerd: { Address: `unix://${s.paths.lifecycledSocket}`, Namespaces: { Containers: 'strata', Plugins: 'strata' } },
  });
}

/** Docker's time parameter: unix seconds (fractional allowed) or RFC 3339; to ns. */
function timeParam(v: string | null, name: string): number | undefined {
  if (v === null || v === '') return undefined;
  if (/^\d+(\.\d+)?$/.test(v)) {
    const [sec = '0', frac = ''] = v.split('.');
    return Number(sec) * 1e9 + Number(frac.padEnd(9, '0').slice(0, 9));
  }
  const ms = Date.parse(v);
  if (Number.isNaN(ms)) throw invalidArgument('stratad', `invalid ${name} value: ${v}`);
  return ms * 1e6;
}

async function events(ctx: RouteContext): Promise<void> {
  const s = services();
  const since = timeParam(ctx.query.get('since'), 'since');
  const until = timeParam(ctx.query.get('until'), 'until');
  const f = parseFilters(ctx.query);
  checkFilterKeys(f, ['type', 'event', 'container', 'image', 'label', 'scope', 'daemon', 'network', 'volume', 'plugin', 'node', 'service', 'secret', 'config']);
  const set = (k: string) => (f.has(k) ? new Set(f.get(k)) : undefined);
  const filter: EventFilter = { type: set('type'), event: set('event'), container: set('container'), image: set('image'), label: set('label') };
  // Container filters name the container by name or id prefix; names need no leading slash.
  if (filter.container) filter.container = new Set([...filter.container].map((c) => c.replace(/^\//, '')));
  startStream(ctx);
  let done = false;
  let finish = () => {};
  const ended = new Promise<void>((resolve) => (finish = resolve));
  const deliver = (e: DockerEvent) => {
    if (done) return;
    if (since !== undefined && e.timeNano < since) return;
    if (until !== undefined && e.timeNano > until) {
      done = true;
      finish();
      return;
    }
    if (matchesFilter(e, filter)) ctx.res.write(`${JSON.stringify(e)}\n`);
  };
  const unsubscribe = s.events.subscribe(since ?? undefined, deliver);
  ctx.res.once('close', finish);
  let timer: NodeJS.Timeout | undefined;
  if (until !== undefined) timer = setTimeout(finish, Math.max(0, until / 1e6 - Date.now()));
  await ended;
  done = true;
  clearTimeout(timer);
  unsubscribe();
  ctx.res.end();
}

async function df(ctx: RouteContext): Promise<void> {
  const s = services();
  const images = await s.lifecycle.images.list().catch(() => []);
  const recs = s.store.list();
  ctx.json(200, {
    LayersSize: images.reduce((n, i) => n + Number(i.target.size || 0), 0),
    Images: images.map((i) => ({
      Id: i.target.digest, ParentId: '', RepoTags: [i.name], RepoDigests: [], Created: Math.floor(Date.parse(i.created_at) / 1000) || 0,
      Size: Number(i.target.size || 0), SharedSize: -1, VirtualSize: Number(i.target.size || 0), Labels: i.labels,
      Containers: recs.filter((r) => r.imageRef === i.name).length,
    })),
    Containers: recs.map((r) => ({ ...summary(r), SizeRw: 0, SizeRootFs: 0 })),
    Volumes: s.volumes.listWithUsage(),
    BuildCache: [],
  });
}

export const routes: Route[] = [
  { method: 'GET', path: '/_ping', handler: ping },
  { method: 'HEAD', path: '/_ping', handler: ping },
  { method: 'GET', path: '/version', handler: version },
  { method: 'GET', path: '/info', handler: info },
  { method: 'GET', path: '/events', handler: events },
  { method: 'GET', path: '/system/df', handler: df },
];
