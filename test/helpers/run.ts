// Running commands and waiting for things, for every test helper and bench
// starter: one async runner (stdin fed, output collected, SIGKILL past a
// timeout), one sync runner (for suites that drive the CLI step by step),
// waiting on a child's exit, and polling until a condition holds.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';

export interface RunOptions {
  input?: string;
  timeoutMs?: number;
  env?: NodeJS.ProcessEnv;
}

export interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface SyncResult extends CmdResult {
  /** stdout as bytes (docker save to a pipe). */
  raw: Buffer;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Run a command with stdin from opts.input, collecting its output; SIGKILLed past the timeout (30 s). */
export function runCommand(cmd: string, args: string[], opts: RunOptions = {}): Promise<CmdResult> {
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
    p.stdin.on('error', () => undefined); // the command may exit before reading its input
    p.stdin.end(opts.input ?? '');
  });
}

/** The same, blocking; SIGKILLed past the timeout (60 s). */
export function runSync(cmd: string, args: string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): SyncResult {
  const r = spawnSync(cmd, args, { env: opts.env ?? process.env, input: opts.input ?? '', timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 256 << 20 });
  return { code: r.status ?? 128, stdout: r.stdout?.toString() ?? '', stderr: `${r.stderr?.toString() ?? ''}${r.error ? `${r.error.message}\n` : ''}`, raw: r.stdout ?? Buffer.alloc(0) };
}

/** runSync, failing with the command's output unless it exits 0; returns stdout. */
export function runSyncOk(cmd: string, args: string[], opts: { input?: string | Buffer; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}, context = ''): string {
  const r = runSync(cmd, args, opts);
  if (r.code !== 0) throw new Error(`${cmd} ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}${context ? `\n${context}` : ''}`.trim());
  return r.stdout;
}

/** Resolve true once the child has exited, false after ms. */
export function waitExit(child: ChildProcess, ms: number): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(true);
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    child.once('exit', () => {
      clearTimeout(t);
      resolve(true);
    });
  });
}

/** Signal a child and wait for it; SIGKILL if it outlives the grace time. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill(signal);
  if (!(await waitExit(child, graceMs))) {
    child.kill('SIGKILL');
    await waitExit(child, 5_000);
  }
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

export async function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<T>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: timed out after ${ms} ms`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** A short tag from a mkdtemp dir (its random suffix), for ids and names. */
export const tagOf = (prefix: string, dir: string) => `${prefix}${dir.slice(-6).toLowerCase().replace(/[^a-z0-9]/g, 'x')}`;
