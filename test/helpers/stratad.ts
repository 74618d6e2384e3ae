// An isolated stratad for a test, on top of an isolated strata-lifecycled
// (test/helpers/engine.ts): same data and exec roots, its API on
// <dir>/stratad.sock, busybox:latest imported through lifecycled's client.
// `docker(...)` runs the real docker CLI against it; `http(...)` sends raw
// requests over the socket.  Teardown stops stratad, then the engine's
// teardown removes every container and checks for leaks.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { afterAll, beforeAll } from 'vitest';

import { importBusybox, runCommand, startEngine, type Engine, type EngineOptions } from './engine.ts';

const repo = join(import.meta.dirname, '..', '..');
// STRATAD runs the tests against another build; by default the bundled bin/stratad (npm run build).
const STRATAD = process.env.STRATAD || join(repo, 'bin', 'stratad');
const DOCKER = process.env.DOCKER || '/usr/local/bin/docker';

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

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
  teardown(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

export function httpOverSocket(socket: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: { Host: 'stratad', ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

export async function startStratad(engine: Engine, args: string[] = []): Promise<Stratad> {
  const socket = join(engine.dir, 'stratad.sock');
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
    const c = child;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (c.exitCode !== null || c.signalCode !== null) throw new Error(`stratad exited at start (${c.exitCode ?? c.signalCode}):\n${output()}`);
      try {
        const r = await httpOverSocket(socket, 'GET', '/_ping');
        if (r.status === 200) return;
      } catch {
        /* not yet */
      }
      await sleep(25);
    }
    throw new Error(`stratad: ${socket} did not answer within 20 s:\n${output()}`);
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    if (!child) return;
    const c = child;
    child = undefined;
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    if (!(await waitExit(c, 10_000))) {
      c.kill('SIGKILL');
      await waitExit(c, 5_000);
    }
  }

  const docker: Stratad['docker'] = (dargs, opts = {}) =>
    runCommand(DOCKER, dargs, { ...opts, env: { ...process.env, DOCKER_HOST: `unix://${socket}`, DOCKER_CONFIG: join(engine.dir, 'docker-config'), ...opts.env } });

  const s: Stratad = {
    engine,
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
    async teardown() {
      await halt('SIGTERM');
      await engine.teardown();
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
