// An isolated stratad for a test, on top of an isolated strata-lifecycled
// (test/helpers/engine.ts): same data and exec roots, its API on
// <dir>/stratad.sock, busybox:latest imported through lifecycled's client.
// `docker(...)` runs the real docker CLI against it; `http(...)` sends raw
// requests over the socket.  Teardown removes every container through the
// API (`docker rm -f` of all stratad knows), stops stratad, then the engine's
// teardown removes what lifecycled still has and checks for leaks (stratad's
// random container ids are found through the engine's task tracker).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll } from 'vitest';

import { importBusybox, startEngine, type Engine, type EngineOptions } from './engine.ts';
import { isolatedNetwork, type HostNetwork } from './host-network.ts';
import { runCommand, stopChild, type CmdResult } from './run.ts';
import { httpOverSocket, pingUnix, waitAnswering, type HttpResult } from './socket.ts';

const repo = join(import.meta.dirname, '..', '..');
// STRATAD runs the tests against another build; by default the bundled bin/stratad (npm run build).
const STRATAD = process.env.STRATAD || join(repo, 'bin', 'stratad');
const DOCKER = process.env.DOCKER || '/usr/local/bin/docker';

// Kept here for the suites that import them from stratad.ts.
export { httpOverSocket, type CmdResult, type HttpResult };

export interface Stratad {
  engine: Engine;
  socket: string;
  host: string;
  pid: number;
  docker(args: string[], opts?: { input?: string; timeoutMs?: number; env?: Record<string, string> }): Promise<CmdResult>;
  /** docker, failing with its stderr unless it exits 0; returns trimmed stdout. */
  dockerOk(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<string>;
  http(method: string, path: string, body?: string | Buffer, headers?: Record<string, string>): Promise<HttpResult>;
  output(): string;
  stop(): Promise<void>;
  kill9(): Promise<void>;
  start(): Promise<void>;
  restart(): Promise<void>;
  running(): boolean;
  /** docker rm -f of everything, stop stratad, then the engine's teardown (leak checks). */
  teardown(): Promise<void>;
  /** The engine's own bridge, subnet, nft table and veth names; undefined when the test passed its own. */
  net: HostNetwork | undefined;
}

export async function startStratad(engine: Engine, args: string[] = []): Promise<Stratad> {
  const socket = join(engine.dir, 'stratad.sock');
  // The engine's own bridge, subnet, nft table and veth names, unless the test names them.
  const net = args.includes('--bridge') ? undefined : isolatedNetwork(engine.tag.replace(/[^a-z0-9]/gi, ''));
  if (net) args = [...net.args, ...args]; // the test's own flags last: they win
  const logFile = join(engine.dir, 'stratad.log');
  let child: ChildProcess | undefined;
  const output = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  async function launch(): Promise<void> {
    const fd = openSync(logFile, 'a');
    try {
      child = spawn(process.execPath, [STRATAD, '--data-root', engine.dataRoot, '--exec-root', engine.execRoot, '-H', `unix://${socket}`, ...args], { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    try {
      await waitAnswering('stratad', () => pingUnix(socket), { child, output });
    } catch (e) {
      await halt('SIGKILL'); // never leave a half-started daemon behind
      throw e;
    }
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    if (!child) return;
    const c = child;
    child = undefined;
    await stopChild(c, signal);
  }

  /** docker rm -f of every container stratad knows (started again for it if it was stopped). */
  async function removeAll(): Promise<string[]> {
    if (!s.running()) {
      try {
        await launch();
      } catch {
        return []; // stratad cannot come up (lifecycled stopped by the test?): lifecycled cleans up next
      }
    }
    const ps = await docker(['ps', '-aq', '--no-trunc'], { timeoutMs: 10_000 });
    if (ps.code !== 0) return [`docker ps -aq: exit ${ps.code}: ${ps.stderr}`];
    const ids = ps.stdout.split('\n').filter(Boolean);
    if (ids.length === 0) return [];
    const r = await docker(['rm', '-f', ...ids], { timeoutMs: 40_000 }); // bounded: the engine teardown must still fit in the hook
    return r.code === 0 ? [] : [`docker rm -f: exit ${r.code}: ${r.stderr}`];
  }

  const docker: Stratad['docker'] = (dargs, opts = {}) =>
    runCommand(DOCKER, dargs, { ...opts, env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(engine.dir, 'docker-config'), ...opts.env } });

  const s: Stratad = {
    engine,
    net,
    socket,
    host: `unix://${socket}`,
    get pid() {
      return child?.pid ?? 0;
    },
    docker,
    async dockerOk(dargs, opts) {
      const r = await docker(dargs, opts);
      if (r.code !== 0) throw new Error(`docker ${dargs.join(' ')}: exit ${r.code}: ${r.stderr}${r.stdout}\nstratad log tail:\n${output().split('\n').slice(-20).join('\n')}`);
      return r.stdout.trim();
    },
    http: (method, path, body, headers) => httpOverSocket(socket, method, path, body, headers),
    output,
    stop: () => halt('SIGTERM'),
    kill9: () => halt('SIGKILL'),
    start: launch,
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    async teardown() {
      // Containers first, through the API (stratad owns names, restart policies, paused state),
      // then stratad, then the engine: lifecycled removes what is left and the leak check runs.
      const problems: string[] = [];
      try {
        problems.push(...(await removeAll()));
      } catch (e) {
        problems.push(`stratad: removing containers failed: ${(e as Error).message}`);
      }
      await halt('SIGTERM');
      try {
        await engine.teardown();
      } catch (e) {
        problems.push((e as Error).message);
      }
      const veths = (await net?.cleanup()) ?? [];
      if (veths.length > 0) problems.push(`veths left behind: ${veths.join(' ')}`);
      if (problems.length > 0) throw new Error(`${problems.join('\n')}\nstratad log tail:\n${output().split('\n').slice(-20).join('\n')}`);
    },
  };
  await launch();
  return s;
}

/** Before all tests: lifecycled + busybox:latest + stratad; after all: teardown with leak checks. */
export function stratadSuite(use: (s: Stratad) => void, options: EngineOptions = {}): void {
  let engine: Engine | undefined;
  let daemon: Stratad | undefined;
  beforeAll(async () => {
    engine = await startEngine(options);
    await importBusybox(engine);
    daemon = await startStratad(engine);
    use(daemon);
  }, 120_000);
  afterAll(async () => {
    if (daemon) await daemon.teardown();
    else await engine?.teardown();
  }, 120_000);
}
