// Detached daemons by pid file: spawn in a new session with output to a log
// file, check whether a pid is still ours and alive, stop with SIGTERM and
// wait until it is gone.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function readPid(pidFile: string): number | undefined {
  try {
    const n = Number(readFileSync(pidFile, 'utf8').trim());
    return Number.isInteger(n) && n > 0 ? n : undefined;
  } catch {
    return undefined;
  }
}

/** Alive and not a zombie, and (when given) its command line names binary. */
export function alive(pid: number, binary?: string): boolean {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM: it exists but is not ours to signal; still alive.
    if ((e as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    if (/\) Z /.test(stat)) return false;
    // A recycled pid belongs to some other program: not our daemon.
    if (binary && !readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(binary)) return false;
  } catch {
    return false;
  }
  return true;
}

/** The last lines of a log file, for error messages. */
export function logTail(file: string, lines = 20): string {
  if (!existsSync(file)) return `(no log at ${file})`;
  const text = readFileSync(file, 'utf8').trimEnd();
  return text.split('\n').slice(-lines).join('\n') || `(${file} is empty)`;
}

/** Start binary detached (own session, stdio to log), record its pid; returns the pid. */
export function spawnDetached(binary: string, args: string[], logFile: string, pidFile: string): number {
  mkdirSync(dirname(logFile), { recursive: true });
  const fd = openSync(logFile, 'a');
  try {
    const child = spawn(binary, args, { detached: true, stdio: ['ignore', fd, fd] });
    if (child.pid === undefined) throw new Error(`cannot start ${binary}`);
    child.unref();
    writeFileSync(pidFile, `${child.pid}\n`);
    return child.pid;
  } finally {
    closeSync(fd);
  }
}

/** SIGTERM, wait up to ms for the exit, then SIGKILL; removes the pid file. */
export async function terminate(pid: number, pidFile: string, binary: string, ms = 15_000): Promise<'stopped' | 'killed'> {
  let how: 'stopped' | 'killed' = 'stopped';
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    // Already gone.
  }
  const deadline = Date.now() + ms;
  while (alive(pid, binary) && Date.now() < deadline) await sleep(50);
  if (alive(pid, binary)) {
    // Daemons hold no container state in memory (shims own the containers): safe.
    process.kill(pid, 'SIGKILL');
    how = 'killed';
    while (alive(pid, binary)) await sleep(20);
  }
  rmSync(pidFile, { force: true });
  return how;
}
