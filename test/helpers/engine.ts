// An isolated strata-lifecycled for a test: its own data and exec roots in a
// temp dir, the daemon in the foreground (bin/strata-lifecycled, built by
// `npm run build`), the `strata lc` CLI and the typed client pointed at it.
// Teardown (engine-teardown.ts) removes every container the daemon knows
// (tasks deleted, shims shut down), then whatever a crash left, and fails the
// test if anything had leaked: processes, mounts and cgroups naming the roots
// or the test's id tag, and those of every container made under this exec
// root (stratad's random ids included: engine-leaks.ts tracks them).
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, type Dirent } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll } from 'vitest';

import type { LifecycleApi } from '../../engine/lifecycle/api-types.ts';
import { connect } from '../../engine/lifecycle/client.ts';
import { socketAnswers } from '../../engine/lifecycle/daemon.ts';
import { ContainerTracker, type EngineScope } from './engine-leaks.ts';
import { describeLeaks, teardownEngine, unmountUnder } from './engine-teardown.ts';
import { makeBusyboxTarball } from './image.ts';
import { alive, hostMounts, markedProcesses, snapshot } from './leaks.ts';
import { runCommand, stopChild, tagOf, until, withTimeout, type CmdResult, type RunOptions } from './run.ts';
import { waitAnswering } from './socket.ts';

const repo = join(import.meta.dirname, '..', '..');
// STRATA_LIFECYCLED runs the tests against another build of the daemon.
const DAEMON = process.env.STRATA_LIFECYCLED || join(repo, 'bin', 'strata-lifecycled');
const CLI = join(repo, 'bin', 'strata');

export type Client = LifecycleApi & { close(): void };

export type LcResult = CmdResult;

// Kept here for the suites that import them from engine.ts.
export { alive, describeLeaks, runCommand, unmountUnder, until, withTimeout, type RunOptions };

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
  /** Every task id lifecycled made under this exec root so far (stratad's ids included). */
  containerIds(): string[];
  /** What marks this engine's things on the host (for engine-leaks.ts checks). */
  scope: EngineScope;
  /** Remove everything and assert nothing leaked (call in afterAll/afterEach). */
  teardown(): Promise<void>;
}

export interface EngineOptions {
  /** Extra daemon flags. */
  args?: string[];
  /** Keep the roots after teardown (debugging). */
  keep?: boolean;
}

export async function startEngine(options: EngineOptions = {}): Promise<Engine> {
  const before = snapshot();
  // Short paths: shim sockets live under the exec root and sun_path has 108 bytes.
  const dir = mkdtempSync('/tmp/slc-');
  const execRoot = join(dir, 'exec');
  const dataRoot = join(dir, 'data');
  mkdirSync(execRoot);
  mkdirSync(dataRoot);
  const logFile = join(dir, 'lifecycled.log');
  const tag = tagOf('t', dir);
  const socket = join(execRoot, 'lifecycled.sock');
  // Every task id from the start: stratad's random ids name no marker.
  const tracker = new ContainerTracker(execRoot).start();
  const scope: EngineScope = { before, markers: [dir, tag], execRoot, tracker };
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
    try {
      await waitAnswering('strata-lifecycled', () => socketAnswers(socket), { child, output });
      const fresh = connect(socket);
      client = fresh;
      await fresh.version();
    } catch (e) {
      await halt('SIGKILL'); // never leave a half-started daemon behind
      throw e;
    }
  }

  async function halt(signal: NodeJS.Signals): Promise<void> {
    client?.close();
    client = undefined;
    if (!child) return;
    const c = child;
    child = undefined;
    await stopChild(c, signal, signal === 'SIGKILL' ? 5_000 : 10_000);
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
    containerIds: () => {
      tracker.scan();
      return [...tracker.ids];
    },
    scope,
    teardown: () => teardown(true),
  };
  const teardown = (throughLifecycled: boolean) =>
    teardownEngine({
      scope,
      dir,
      keep: options.keep,
      output,
      lifecycled: throughLifecycled
        ? async () => {
            if (!engine.running()) await launch(); // a crashed or stopped daemon still has to clean up
            const c = connect(socket);
            await c.version();
            return c;
          }
        : undefined,
      stop: () => halt('SIGTERM'),
    });
  try {
    await launch();
  } catch (e) {
    await teardown(false).catch(() => undefined);
    throw e;
  }
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
