// An isolated strata-lifecycled for a test: its own data and exec roots in a
// temp dir, the daemon in the foreground (bin/strata-lifecycled, built by
// `npm run build`), the `strata lc` CLI and the typed client pointed at it.
// Teardown removes every container the daemon knows (tasks deleted, shims shut
// down), then whatever a crash left (processes, mounts, cgroups naming the
// roots or the test's id tag), and fails the test if anything had leaked.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll } from 'vitest';

import type { LifecycleApi } from '../../engine/lifecycle/api-types.ts';
import { connect } from '../../engine/lifecycle/client.ts';
import { socketAnswers } from '../../engine/lifecycle/daemon.ts';
import { makeBusyboxTarball } from './image.ts';
import { alive, findLeaks, forceCleanup, hostMounts, markedProcesses, snapshot, type HostSnapshot, type Leaks } from './leaks.ts';

const repo = join(import.meta.dirname, '..', '..');
// STRATA_LIFECYCLED runs the tests against another build of the daemon.
const DAEMON = process.env.STRATA_LIFECYCLED || join(repo, 'bin', 'strata-lifecycled');
const CLI = join(repo, 'bin', 'strata');

export type Client = LifecycleApi & { close(): void };

export interface RunOptions { input?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv }

/** Run a command with stdin from opts.input, collecting its output; SIGKILLed past the timeout (30 s). */
export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<LcResult> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'pipe'], env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    p.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    p.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => p.kill('SIGKILL'), opts.timeoutMs ?? 30_000);
    p.once('error', reject);
    p.once('close', (code, sig) => {
      clearTimeout(timer);
      resolve({ code: code ?? 128 + (sig === 'SIGKILL' ? 9 : 15), stdout, stderr });
    });
    p.stdin.end(opts.input ?? '');
  });
}

export interface LcResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface Engine {
  /** The temp dir holding both roots (a marker for leak checks). */
  dir: string;
  execRoot: string;
  dataRoot: string;
  socket: string;
  /** Put it in every container id: cgroups and processes are found by it. */
  tag: string;
  /** The daemon's pid (changes on restart). */
  pid: number;
  running(): boolean;
  /** SIGTERM and wait for the exit. */
  stop(): Promise<void>;
  /** SIGKILL and wait for the exit. */
  kill9(): Promise<void>;
  /** Start it again on the same roots (stopping it first if it runs). */
  restart(): Promise<void>;
  /** A client for the current daemon run (a new one after each restart). */
  client(): Client;
  /** `bin/strata lc --exec-root <execRoot> ...args`. */
  lc(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<LcResult>;
  /** lc, failing with its stderr unless it exits 0; returns stdout. */
  lcOk(args: string[], opts?: { input?: string; timeoutMs?: number }): Promise<string>;
  /** What the daemon printed so far (for failure messages). */
  output(): string;
  /** Remove everything and assert nothing leaked (call in afterAll/afterEach). */
  teardown(): Promise<void>;
}

export interface EngineOptions {
  /** Extra daemon flags. */
  args?: string[];
  /** Keep the roots after teardown (debugging). */
  keep?: boolean;
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

export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
  const before: HostSnapshot = snapshot();
  // Short paths: shim sockets live under the exec root and sun_path has 108 bytes.
  const dir = mkdtempSync('/tmp/slc-');
  const execRoot = join(dir, 'exec');
  const dataRoot = join(dir, 'data');
  mkdirSync(execRoot);
  mkdirSync(dataRoot);
  const logFile = join(dir, 'lifecycled.log');
  const tag = `t${dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
  const socket = join(execRoot, 'lifecycled.sock');
  let child: ChildProcess | undefined;
  let client: Client | undefined;

  const output = () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : '');

  async function launch(): Promise<void> {
    const fd = openSync(logFile, 'a');
    try {
      child = spawn(process.execPath, [DAEMON, '--data-root', dataRoot, '--exec-root', execRoot, ...(options.args ?? [])], { stdio: ['ignore', fd, fd] });
    } finally {
      closeSync(fd);
    }
    const started = child;
    const deadline = Date.now() + 20_000;
    while (Date.now() < deadline) {
      if (started.exitCode !== null || started.signalCode !== null) throw new Error(`strata-lifecycled exited at start (${started.exitCode ?? started.signalCode}):\n${output()}`);
      if (await socketAnswers(socket)) {
        const fresh = connect(socket);
        client = fresh;
        await fresh.version();
        return;
      }
      await sleep(25);
    }
    throw new Error(`strata-lifecycled: socket ${socket} did not answer within 20 s:\n${output()}`);
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    client?.close();
    client = undefined;
    if (!child) return;
    const c = child;
    child = undefined;
    if (c.exitCode !== null || c.signalCode !== null) return;
    c.kill(signal);
    if (!(await waitExit(c, signal === 'SIGKILL' ? 5_000 : 10_000))) {
      c.kill('SIGKILL');
      await waitExit(c, 5_000);
    }
  }

  const runLc = (args: string[], opts: RunOptions = {}) => runCommand(CLI, ['lc', '--exec-root', execRoot, ...args], opts);

  const engine: Engine = {
    dir,
    execRoot,
    dataRoot,
    socket,
    tag,
    get pid() {
      return child?.pid ?? 0;
    },
    running: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    stop: () => halt('SIGTERM'),
    kill9: () => halt('SIGKILL'),
    async restart() {
      await halt('SIGTERM');
      await launch();
    },
    client() {
      if (!client) throw new Error('strata-lifecycled is not running');
      return client;
    },
    lc: runLc,
    async lcOk(args, opts) {
      const r = await runLc(args, opts);
      if (r.code !== 0) throw new Error(`strata lc ${args.join(' ')}: exit ${r.code}: ${r.stderr}${r.stdout}`);
      return r.stdout;
    },
    output,
    async teardown() {
      const problems: string[] = [];
      try {
        if (!engine.running()) await launch();
        await removeAll(engine.client(), problems);
      } catch (e) {
        problems.push(`cleanup through the API failed: ${(e as Error).message}`);
      }
      await halt('SIGTERM');
      const leaks = findLeaks(before, [dir, tag]);
      // findLeaks also counts any new mount naming "strata": other suites run on this host too.
      leaks.mounts = leaks.mounts.filter((m) => m.includes(dir) || m.includes(tag));
      forceCleanup(before, [dir, tag]);
      unmountUnder(dir);
      if (!options.keep) rmSync(dir, { recursive: true, force: true });
      const text = describeLeaks(leaks);
      if (text) problems.push(`leaked after teardown:\n${text}`);
      if (problems.length > 0) throw new Error(`${problems.join('\n')}\ndaemon output (tail):\n${output().split('\n').slice(-40).join('\n')}`);
    },
  };
  await launch();
  return engine;
}

/**
 * The usual suite set-up: before all tests an engine with busybox:latest
 * imported, handed to `use` as soon as it runs (so a failed import is still
 * torn down); after all tests its teardown, which fails the suite on leaks.
 */
export function engineSuite(use: (engine: Engine) => void, options: EngineOptions = {}): void {
  let engine: Engine | undefined;
  beforeAll(async () => {
    engine = await startEngine(options);
    use(engine);
    await importBusybox(engine);
  }, 120_000);
  afterAll(async () => {
    await engine?.teardown();
  }, 120_000);
}

/** Every task killed and deleted, every container deleted (which shuts its shim down). */
async function removeAll(c: Client, problems: string[]): Promise<void> {
  for (const t of await c.tasks.list()) {
    try {
      if (t.status !== 'stopped') {
        await c.tasks.kill({ container_id: t.container_id, signal: 9, all: true }).catch(() => undefined);
        await withTimeout(c.tasks.wait({ container_id: t.container_id }), 10_000, `wait ${t.container_id}`);
      }
      await c.tasks.delete({ container_id: t.container_id });
    } catch (e) {
      problems.push(`delete task ${t.container_id}: ${(e as Error).message}`);
    }
  }
  for (const ctr of await c.containers.list()) {
    try {
      await c.containers.delete(ctr.id);
    } catch (e) {
      problems.push(`delete container ${ctr.id}: ${(e as Error).message}`);
    }
  }
}

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** Lazily unmount anything still mounted under dir, deepest first. */
export function unmountUnder(dir: string): void {
  const points = hostMounts()
    .map((m) => m.mountPoint)
    .filter((p) => p === dir || p.startsWith(`${dir}/`))
    .sort((a, b) => b.length - a.length);
  for (const p of points) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
}

export function describeLeaks(l: Leaks): string {
  const parts: string[] = [];
  if (l.mounts.length) parts.push(`mounts:\n  ${l.mounts.join('\n  ')}`);
  if (l.cgroupDirs.length) parts.push(`cgroups:\n  ${l.cgroupDirs.join('\n  ')}`);
  if (l.processes.length) parts.push(`processes:\n  ${l.processes.join('\n  ')}`);
  return parts.join('\n');
}

/** Import the busybox rootfs tarball as an image through `strata lc images import`. */
export async function importBusybox(engine: Engine, name = 'busybox:latest'): Promise<void> {
  const tarball = makeBusyboxTarball(join(engine.dir, 'busybox.tar'));
  await engine.lcOk(['images', 'import', tarball, name]);
  rmSync(tarball, { force: true });
}

/** Shim processes of this engine: pid and the container id from `--id`. */
export function shims(engine: Engine): { pid: number; id: string }[] {
  return markedProcesses([engine.execRoot])
    .filter((p) => /strata-shim/.test(p.cmdline.split(' ')[0] ?? ''))
    .map((p) => ({ pid: p.pid, id: /--id (\S+)/.exec(p.cmdline)?.[1] ?? '' }));
}

/** The shim of one container. */
export function shimOf(engine: Engine, id: string): number | undefined {
  return shims(engine).find((s) => s.id === id)?.pid;
}

/** Mount points under the engine's roots. */
export function mountsUnder(engine: Engine): string[] {
  return hostMounts()
    .map((m) => m.mountPoint)
    .filter((p) => p.startsWith(`${engine.dir}/`));
}

/**
 * Visit every entry under root, `levels` directory levels deep (root's own
 * entries are level 1); visit returns whether to descend into a directory.
 * Unreadable directories are skipped.
 */
export function walkTree(root: string, levels: number, visit: (path: string, entry: Dirent) => boolean): void {
  const walk = (d: string, left: number) => {
    if (left === 0) return;
    let entries: Dirent[];
    try {
      entries = readdirSync(d, { withFileTypes: true });
    } catch {
      return;
    }
    for (const e of entries) {
      const p = join(d, e.name);
      if (visit(p, e) && e.isDirectory()) walk(p, left - 1);
    }
  };
  walk(root, levels);
}

/** Files under dir whose name ends with `-json.log` or `.log` and whose path names id. */
export function findLogFile(engine: Engine, id: string): string | undefined {
  const found: string[] = [];
  const visit = (p: string, e: Dirent) => {
    if (e.isDirectory()) return !isMountPoint(p);
    if (e.isFile() && /\.log$/.test(e.name) && p.includes(id)) found.push(p);
    return false;
  };
  walkTree(engine.dataRoot, 7, visit);
  walkTree(engine.execRoot, 7, visit);
  return found.sort((a, b) => a.length - b.length)[0];
}

function isMountPoint(p: string): boolean {
  return hostMounts().some((m) => m.mountPoint === p);
}

export interface TaskRow {
  pid: number;
  status: string;
  exit: string;
}

/** `strata lc tasks ls` output (a header, then ID PID STATUS EXIT rows) keyed by id. */
export function parseTaskTable(out: string): Map<string, TaskRow> {
  const rows = new Map<string, TaskRow>();
  for (const l of out.trim().split('\n').slice(1)) {
    const [id, pid, status, exit] = l.split(/\s+/) as [string, string, string, string];
    rows.set(id, { pid: Number(pid), status, exit });
  }
  return rows;
}

/** Wait until cond() holds, polling. */
export async function until(cond: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`timed out after ${ms} ms waiting for ${what}`);
}

export { alive };
