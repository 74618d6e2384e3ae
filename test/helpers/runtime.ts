// A driver for an OCI runtime binary with runc's command line (runc itself or
// strata-runtime).  Every call returns {code, stdout, stderr} and never throws
// on a non-zero exit, so tests assert on what the runtime actually did.
//
// Output goes through files, not pipes: the container's stdio is whatever
// `create`/`run -d` were given, so a pipe would stay open for as long as the
// container lives and a "wait for close" would hang.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

import { afterAll, afterEach, beforeAll, expect } from 'vitest';

import { makeBusyboxBundle, type Bundle } from './image.ts';
import { unmountUnder } from './engine-teardown.ts';
import { findLeaks, forceCleanup, snapshot, type HostSnapshot } from './leaks.ts';
import { sleep } from './run.ts';
import type { OciSpec, SpecOptions } from './spec.ts';

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
  /** The signal that ended the runtime process itself, if any. */
  signal: NodeJS.Signals | null;
}

export interface ContainerState {
  ociVersion: string;
  id: string;
  pid: number;
  status: 'creating' | 'created' | 'running' | 'stopped' | 'paused';
  bundle: string;
  rootfs?: string;
  created?: string;
  annotations?: Record<string, string>;
}

export interface CmdOptions {
  /** Text written to the runtime's stdin; otherwise stdin is /dev/null. */
  input?: string;
  timeoutMs?: number;
  cwd?: string;
}

export interface CreateOptions {
  consoleSocket?: string;
  pidFile?: string;
}

export interface ExecOptions {
  tty?: boolean;
  detach?: boolean;
  consoleSocket?: string;
  env?: string[];
  cwd?: string;
}

const DEFAULT_TIMEOUT_MS = 30_000;

/** Run a program with stdout/stderr captured through files; kill it (by pid) on timeout. */
export function runProgram(bin: string, args: string[], options: CmdOptions = {}): Promise<CmdResult> {
  const dir = mkdtempSync(join(tmpdir(), 'strata-cmd-'));
  const outFile = join(dir, 'out');
  const errFile = join(dir, 'err');
  const out = openSync(outFile, 'w');
  const err = openSync(errFile, 'w');
  return new Promise<CmdResult>((resolve) => {
    const child = spawn(bin, args, {
      stdio: [options.input === undefined ? 'ignore' : 'pipe', out, err],
      cwd: options.cwd,
    });
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    const finish = (code: number, signal: NodeJS.Signals | null, extra = '') => {
      clearTimeout(timer);
      closeSync(out);
      closeSync(err);
      const result: CmdResult = {
        code,
        signal,
        stdout: readFileSync(outFile, 'utf8'),
        stderr: readFileSync(errFile, 'utf8') + extra,
      };
      rmSync(dir, { recursive: true, force: true });
      resolve(result);
    };
    child.on('error', (e) => finish(-1, null, `\nspawn ${bin}: ${e.message}`));
    child.on('exit', (code, signal) =>
      finish(code ?? -1, signal, timedOut ? `\n${bin} ${args.join(' ')}: timed out` : ''));
    if (options.input !== undefined && child.stdin) {
      child.stdin.on('error', () => {});
      child.stdin.end(options.input);
    }
  });
}

export class Runtime {
  /** Ids this driver created, so a test's cleanup can delete --force them all. */
  readonly created = new Set<string>();

  constructor(
    readonly name: string,
    readonly bin: string,
    readonly root: string,
    /** Global flags put before the command (e.g. --log FILE --log-format json). */
    readonly globalArgs: string[] = [],
  ) {}

  /** Any command: `<bin> --root ROOT <globalArgs> <args>`. */
  cmd(args: string[], options: CmdOptions = {}): Promise<CmdResult> {
    return runProgram(this.bin, ['--root', this.root, ...this.globalArgs, ...args], options);
  }

  /** The same runtime with extra global flags (same root, same bookkeeping). */
  withGlobalArgs(args: string[]): Runtime {
    const other = new Runtime(this.name, this.bin, this.root, [...this.globalArgs, ...args]);
    for (const id of this.created) other.created.add(id);
    return other;
  }

  create(id: string, bundle: string, options: CreateOptions = {}): Promise<CmdResult> {
    this.created.add(id);
    const args = ['create', '--bundle', bundle];
    if (options.consoleSocket) args.push('--console-socket', options.consoleSocket);
    if (options.pidFile) args.push('--pid-file', options.pidFile);
    return this.cmd([...args, id]);
  }

  start(id: string): Promise<CmdResult> {
    return this.cmd(['start', id]);
  }

  /** Foreground run: waits for the container and returns its exit code. */
  run(id: string, bundle: string, options: { detach?: boolean; timeoutMs?: number } = {}): Promise<CmdResult> {
    this.created.add(id);
    const args = ['run', '--bundle', bundle];
    if (options.detach) args.push('--detach');
    return this.cmd([...args, id], { timeoutMs: options.timeoutMs });
  }

  state(id: string): Promise<CmdResult> {
    return this.cmd(['state', id]);
  }

  /** Parsed `state`; throws with the runtime's stderr when it fails. */
  async stateJson(id: string): Promise<ContainerState> {
    const r = await this.state(id);
    if (r.code !== 0) throw new Error(`${this.name} state ${id} failed (${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as ContainerState;
  }

  /** Poll `state` until the status is one of want (bounded); returns the last state. */
  async waitStatus(
    id: string,
    want: ContainerState['status'] | ContainerState['status'][],
    timeoutMs = 10_000,
    /** Stop early when this turns true (e.g. the `run` that makes the container ended). */
    giveUp: () => boolean = () => false,
  ): Promise<ContainerState> {
    const wanted = Array.isArray(want) ? want : [want];
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      // A `run` in flight may not have made the container yet: keep asking.
      const r = await this.state(id);
      const last = r.code === 0 ? (JSON.parse(r.stdout) as ContainerState) : undefined;
      if (last && wanted.includes(last.status)) return last;
      if (Date.now() > deadline || giveUp()) {
        const seen = last ? last.status : `state failed: ${r.stderr.trim()}`;
        throw new Error(`${this.name}: ${id} not ${wanted.join('|')} after ${timeoutMs} ms (${seen})`);
      }
      await sleep(50);
    }
  }

  kill(id: string, signal?: string): Promise<CmdResult> {
    return this.cmd(signal === undefined ? ['kill', id] : ['kill', id, signal]);
  }

  delete(id: string, options: { force?: boolean } = {}): Promise<CmdResult> {
    return this.cmd(options.force ? ['delete', '--force', id] : ['delete', id]);
  }

  exec(id: string, args: string[], options: ExecOptions = {}): Promise<CmdResult> {
    const flags: string[] = [];
    if (options.tty) flags.push('--tty');
    if (options.detach) flags.push('--detach');
    if (options.consoleSocket) flags.push('--console-socket', options.consoleSocket);
    if (options.cwd) flags.push('--cwd', options.cwd);
    for (const e of options.env ?? []) flags.push('--env', e);
    return this.cmd(['exec', ...flags, id, ...args]);
  }

  pause(id: string): Promise<CmdResult> {
    return this.cmd(['pause', id]);
  }

  resume(id: string): Promise<CmdResult> {
    return this.cmd(['resume', id]);
  }

  list(): Promise<CmdResult> {
    return this.cmd(['list', '--format', 'json']);
  }

  ps(id: string): Promise<CmdResult> {
    return this.cmd(['ps', '--format', 'json', id]);
  }

  update(id: string, flags: string[]): Promise<CmdResult> {
    return this.cmd(['update', ...flags, id]);
  }

  /** Delete --force every container this driver created; ignores failures (cleanup). */
  async cleanup(): Promise<void> {
    for (const id of [...this.created]) {
      await this.delete(id, { force: true });
      this.created.delete(id);
    }
  }
}

export { sleep };

// ---------------------------------------------------------------------------
// The suite harness: one describe per runtime under test, each with its own
// temp dir and --root, unique container ids and cgroup paths, cleanup after
// every test and a leak check around the whole describe.

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface RuntimeUnderTest {
  name: 'strata-runtime' | 'runc';
  bin: string;
}

export const RUNTIMES: RuntimeUnderTest[] = [
  { name: 'strata-runtime', bin: join(REPO, 'bin/strata-runtime') },
  { name: 'runc', bin: 'runc' },
];

/** Parent of every container cgroup the suites make (absolute cgroupsPath). */
export const CGROUP_PREFIX = '/strata-test';

export interface Suite {
  rt: Runtime;
  /** The describe's temp dir (bundles, --root, sockets live under it). */
  dir: string;
  /** A new unique container id, e.g. "stt-1234-r-oom-7". */
  id(label: string): string;
  /** A busybox bundle for container id, cgroupsPath /strata-test/<id>; removed after the test. */
  bundle(id: string, options?: SpecOptions, edit?: (spec: OciSpec) => void): Bundle;
  cgroupsPath(id: string): string;
  /** Strings that mark the suite's host objects (temp dir, id tag). */
  markers(): string[];
}

/** The recvtty tool, built with the native Makefile if it is missing. */
export function recvttyPath(): string {
  const path = join(REPO, 'native/build/tools/recvtty');
  if (!existsSync(path)) execFileSync('make', ['-C', join(REPO, 'native'), 'build/tools/recvtty'], { stdio: 'ignore' });
  return path;
}

/** Register the hooks of one runtime's describe and hand back its context. */
export function runtimeSuite(under: RuntimeUnderTest): Suite {
  const tag = `stt-${process.pid}-${under.name === 'runc' ? 'r' : 's'}`;
  let counter = 0;
  let before: HostSnapshot;
  let bundles: Bundle[] = [];
  const earlierLeaks: string[] = [];
  const suite = {
    rt: undefined as unknown as Runtime,
    dir: '',
    id: (label: string) => `${tag}-${label}-${++counter}`,
    cgroupsPath: (id: string) => `${CGROUP_PREFIX}/${id}`,
    bundle(id: string, options: SpecOptions = {}, edit?: (spec: OciSpec) => void): Bundle {
      const b = makeBusyboxBundle(join(suite.dir, 'bundles', id), options);
      b.spec.linux.cgroupsPath = suite.cgroupsPath(id);
      edit?.(b.spec);
      b.save();
      bundles.push(b);
      return b;
    },
    markers: () => [suite.dir, tag],
  };

  beforeAll(() => {
    suite.dir = mkdtempSync(join(tmpdir(), `strata-rt-${under.name}-`));
    // Searchable by the mapped root of user-namespace containers (uid 100000).
    chmodSync(suite.dir, 0o755);
    suite.rt = new Runtime(under.name, under.bin, join(suite.dir, 'root'));
    before = snapshot();
  });

  afterEach(async () => {
    await suite.rt.cleanup();
    // A mount left on a bundle must go before rm -r, which would descend into it.
    const left = unmountUnder(bundles.map((b) => b.dir));
    earlierLeaks.push(...left);
    for (const b of bundles) b.remove();
    bundles = [];
  });

  afterAll(async () => {
    // Processes killed by the last delete may take a moment to be reaped.
    let leaks = findLeaks(before, suite.markers());
    for (let i = 0; i < 40 && leaks.processes.length > 0; i++) {
      await sleep(50);
      leaks = findLeaks(before, suite.markers());
    }
    leaks.mounts.unshift(...earlierLeaks);
    forceCleanup(before, suite.markers(), [CGROUP_PREFIX]);
    rmSync(suite.dir, { recursive: true, force: true });
    expect(leaks, `${under.name} left these behind`).toEqual({ mounts: [], cgroupDirs: [], processes: [] });
  });

  return suite;
}
