// A private dockerd for `npm run bench -- engine`: Debian's docker.io, its own
// data root, exec root, socket, pid file and config file in one temp dir, no
// bridge, no iptables, no ip_forward change, containers under a cgroup parent
// named for the run.  dockerd starts and stops its own managed containerd
// (root and state under our roots).  Installed only when the caller asks
// (BENCH_INSTALL_DOCKER=1 -> `apt-get install -y docker.io`).
//
// Teardown: SIGTERM to the dockerd we started (it stops its containerd), then
// whatever is left naming the dir or tag is reported and removed: processes
// by pid, overlay/netns mounts under the roots (lazy unmount), the cgroup
// parent in every hierarchy, the dir.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { alive, unmountUnder, until } from '../test/helpers/engine.ts';
import { cgroupHierarchies, findLeaks, forceCleanup, markedProcesses, rmdirQuiet, snapshot, type HostSnapshot } from '../test/helpers/leaks.ts';
import { tagOf, waitExit as childExit } from '../test/helpers/run.ts';
import { pingUnix, socketListens, type BenchDaemon } from './engine-cli.ts';

export const DOCKERD = '/usr/sbin/dockerd';
const KEY_JSON = '/etc/docker/key.json';
const SHIM_SOCKETS = '/run/containerd/s';
const RUN_DIRS = [SHIM_SOCKETS, '/run/containerd'];

/** Install Debian's docker.io when asked; say why dockerd is unavailable otherwise. */
export function ensureDockerd(install: boolean): string | undefined {
  if (existsSync(DOCKERD)) return undefined;
  if (!install) return 'dockerd not installed (BENCH_INSTALL_DOCKER=1 installs Debian\'s docker.io)';
  // policy-rc.d on this host keeps apt from starting the service; no systemd anyway.
  const r = spawnSync('apt-get', ['install', '-y', '--no-install-recommends', 'docker.io'], {
    encoding: 'utf8',
    timeout: 600_000,
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
  if (r.status !== 0 || !existsSync(DOCKERD)) return `apt-get install docker.io failed: ${(r.stderr ?? '').split('\n').slice(-3).join(' ')}`;
  return undefined;
}



/** Shim sockets containerd 1.6 left in /run/containerd/s during our run that nobody listens on. */
async function staleShimSockets(before: Set<string>): Promise<string[]> {
  if (!existsSync(SHIM_SOCKETS)) return [];
  const out: string[] = [];
  for (const name of readdirSync(SHIM_SOCKETS)) {
    if (before.has(name)) continue;
    const path = join(SHIM_SOCKETS, name);
    if (!(await socketListens(path))) out.push(path); // a live one is someone else's shim
  }
  return out;
}

/**
 * A private dockerd: its own roots, no iptables, no ip_forward.  bridge: the
 * name of an existing bridge (with its address) for the default network;
 * without one, containers get no network (--bridge=none).
 */
export async function startDockerd(opts: { bridge?: string } = {}): Promise<BenchDaemon> {
  const before: HostSnapshot = snapshot();
  const keyJsonBefore = existsSync(KEY_JSON);
  const shimsBefore = new Set(existsSync(SHIM_SOCKETS) ? readdirSync(SHIM_SOCKETS) : []);
  const runDirsBefore = RUN_DIRS.filter((p) => existsSync(p));
  const dir = mkdtempSync('/tmp/sbk-'); // short: containerd's sockets live under the exec root
  const tag = tagOf('sbk', dir);
  const dataRoot = join(dir, 'data');
  const execRoot = join(dir, 'exec');
  const socket = join(dir, 'docker.sock');
  const logFile = join(dir, 'dockerd.log');
  const config = join(dir, 'daemon.json');
  mkdirSync(dataRoot);
  mkdirSync(execRoot);
  writeFileSync(config, '{}\n'); // never read the host's /etc/docker/daemon.json
  const version = (spawnSync(DOCKERD, ['--version'], { encoding: 'utf8' }).stdout ?? '').trim();

  const out = openSync(logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(DOCKERD, [
      '--data-root', dataRoot,
      '--exec-root', execRoot,
      '--pidfile', join(dir, 'dockerd.pid'),
      '--config-file', config,
      '-H', `unix://${socket}`,
      '--iptables=false',
      '--ip6tables=false',
      '--ip-forward=false',
      '--ip-masq=false',
      opts.bridge ? `--bridge=${opts.bridge}` : '--bridge=none',
      '--userland-proxy=false',
      '--cgroup-parent', `/${tag}`,
      '--exec-opt', 'native.cgroupdriver=cgroupfs',
      '--log-level', 'warn',
    ], { stdio: ['ignore', out, out] });
  } finally {
    closeSync(out);
  }
  const d = child;
  const log = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  async function stop(): Promise<string[]> {
    const leftovers: string[] = [];
    if (d.exitCode === null && d.signalCode === null) {
      d.kill('SIGTERM');
      if (!(await childExit(d, 30_000))) {
        leftovers.push('dockerd did not exit within 30 s of SIGTERM');
        d.kill('SIGKILL');
        await childExit(d, 5_000);
      }
    }
    // dockerd stops its managed containerd on the way out; wait for it by pid.
    for (const p of markedProcesses([dir], before.pids)) await until(() => !alive(p.pid), 10_000, `${p.cmdline} to exit`).catch(() => undefined);
    leftovers.push(...sweep(before, dir, tag));
    if (!keyJsonBefore && existsSync(KEY_JSON)) {
      rmSync(KEY_JSON, { force: true }); // dockerd 20.10 writes its libtrust key there whatever the roots
      try {
        if (readdirSync('/etc/docker').length === 0) rmSync('/etc/docker', { recursive: true });
      } catch {
        /* not ours to remove */
      }
    }
    for (const s of await staleShimSockets(shimsBefore)) {
      leftovers.push(`shim socket ${s}`);
      rmSync(s, { force: true });
    }
    // containerd 1.6 makes /run/containerd/s for shim sockets whatever its state dir.
    for (const p of RUN_DIRS) {
      if (runDirsBefore.includes(p) || !existsSync(p)) continue;
      try {
        if (readdirSync(p).length === 0) rmdirSync(p);
      } catch {
        /* someone else uses it now */
      }
    }
    return leftovers;
  }

  try {
    await until(async () => d.exitCode !== null || d.signalCode !== null || (await pingUnix(socket)), 60_000, `dockerd on ${socket}`);
    if (d.exitCode !== null || d.signalCode !== null) throw new Error(`dockerd exited at start (${d.exitCode ?? d.signalCode}):\n${log().slice(-2000)}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return { name: 'dockerd', host: `unix://${socket}`, version, dir, stop, log };
}

/** Report and remove what is left naming dir or tag, then the cgroup parent and dir. */
function sweep(before: HostSnapshot, dir: string, tag: string): string[] {
  const markers = [dir, tag];
  const leaks = findLeaks(before, markers);
  const found = [
    ...leaks.processes.map((p) => `process ${p}`),
    ...leaks.mounts.filter((m) => m.includes(dir) || m.includes(tag)).map((m) => `mount ${m}`),
    ...leaks.cgroupDirs.filter((c) => !cgroupHierarchies().some((h) => c === join(h, tag))).map((c) => `cgroup ${c}`),
  ];
  forceCleanup(before, markers, [tag]);
  // dockerd's own private mounts (overlay2 home, netns) are ours too, expected
  // until its exit unmounts them; anything still there is removed here.
  unmountUnder(dir);
  for (const h of cgroupHierarchies()) rmdirQuiet(join(h, tag));
  rmSync(dir, { recursive: true, force: true });
  return found;
}
