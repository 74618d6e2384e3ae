// What `npm run bench -- engine` shares between its daemons: the daemon handle,
// a ping over a Unix socket, the docker CLI (one binary for both daemons) and
// wall-clock timing of one command.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { cgroupHierarchies } from '../test/helpers/leaks.ts';
import { pingUnix } from '../test/helpers/socket.ts';
import { socketAnswers } from '../engine/unix-socket.ts';

/** The one docker CLI both daemons are measured with. */
export const DOCKER_CLI = '/usr/local/bin/docker';

export interface BenchDaemon {
  name: 'stratad' | 'dockerd';
  /** unix:///... as -H takes it. */
  host: string;
  version: string;
  /** The daemon's temp dir (roots, socket, logs). */
  dir: string;
  /** Stop it and remove what it left; returns the leftovers that had to be removed. */
  stop(): Promise<string[]>;
  log(): string;
}

/** Does GET /_ping on this socket answer 200? (the tests' helper) */
export { pingUnix };

/** Does anything accept a connection on this Unix socket? (the engine's own check) */
export { socketAnswers as socketListens };

// The CLI's own config dir would be the same for both daemons; a private one
// keeps the user's contexts and plugins out of the numbers.
let cliEnv: NodeJS.ProcessEnv = { ...process.env };
export function setDockerConfig(dir: string): void {
  cliEnv = { ...process.env, DOCKER_CONFIG: dir };
  delete cliEnv.DOCKER_HOST;
  delete cliEnv.DOCKER_CONTEXT;
}

/** Run the docker CLI against a daemon; throw with its output unless it exits 0. */
export function docker(d: BenchDaemon, args: string[], timeoutMs = 120_000): string {
  const r = spawnSync(DOCKER_CLI, ['-H', d.host, ...args], { encoding: 'utf8', timeout: timeoutMs, env: cliEnv, maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`${d.name}: docker ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}\n${r.stderr}${r.stdout}`.trim());
  return r.stdout;
}

/** docker CLI, asynchronously (for starting many containers a few at a time). */
export function dockerAsync(d: BenchDaemon, args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn(DOCKER_CLI, ['-H', d.host, ...args], { env: cliEnv, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    p.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    p.once('error', reject);
    p.once('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`${d.name}: docker ${args.join(' ')}: exit ${code}\n${err}`))));
  });
}

/** Wall-clock ms of one command from spawn to exit; throws unless it exits 0. */
export function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv = cliEnv): number {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 120_000, env, maxBuffer: 64 << 20 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}\n${r.stderr}${r.stdout}`.trim());
  return ms;
}

/** Run fn over items, at most `width` at a time. */
export async function pool<T>(items: T[], width: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await fn(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(width, items.length) }, worker));
}

/**
 * The cgroup directories a process is in, in every hierarchy: recorded while
 * containers run, checked gone after they are removed (stratad's containers
 * live under lifecycled's cgroup parent, which names no temp dir).
 */
export function cgroupDirsOf(pid: number): string[] {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/cgroup`, 'utf8');
  } catch {
    return [];
  }
  const hierarchies = cgroupHierarchies();
  const out: string[] = [];
  for (const line of text.trim().split('\n')) {
    const [, controllers = '', path = ''] = line.split(':');
    if (!path || path === '/') continue;
    const name = controllers.replace(/^name=/, '');
    const h = name ? hierarchies.find((m) => m.split('/').pop()?.split(',').includes(name)) : hierarchies.find((m) => m === '/sys/fs/cgroup');
    if (h) out.push(join(h, path));
  }
  return out;
}
