// A private stratad + strata-lifecycled for `npm run bench -- engine`, started
// the way a user does it: `strata engine start` with temp data and exec roots
// and a socket in the temp dir (both daemons detached, pid files and logs
// under the exec root; it returns once the API answers), stopped with
// `strata engine stop`.  The bench removes its containers first; whatever
// still names the temp dir afterwards is reported and removed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from '../engine/install-paths.ts';
import { unmountUnder } from '../test/helpers/engine.ts';
import { findLeaks, forceCleanup, snapshot } from '../test/helpers/leaks.ts';
import { DOCKER_CLI, pingUnix, type BenchDaemon } from './engine-cli.ts';

export const STRATA_CLI = join(REPO_ROOT, 'bin', 'strata');

function strata(args: string[], timeoutMs = 60_000): string {
  const r = spawnSync(STRATA_CLI, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) throw new Error(`strata ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}\n${r.stderr}${r.stdout}`.trim());
  return r.stdout;
}

/** Every *.log the engine keeps under its exec root (the daemons' output). */
function logs(execRoot: string): string {
  if (!existsSync(execRoot)) return '';
  return readdirSync(execRoot)
    .filter((f) => f.endsWith('.log'))
    .map((f) => `== ${f}\n${readFileSync(join(execRoot, f), 'utf8').slice(-4000)}`)
    .join('\n');
}

export async function startStratad(): Promise<BenchDaemon> {
  const before = snapshot();
  const dir = mkdtempSync('/tmp/sbs-'); // short: shim sockets live under the exec root
  const dataRoot = join(dir, 'data');
  const execRoot = join(dir, 'exec');
  const socket = join(dir, 'strata.sock');
  mkdirSync(dataRoot);
  mkdirSync(execRoot);
  const flags = ['--data-root', dataRoot, '--exec-root', execRoot, '--host', `unix://${socket}`];

  async function stop(): Promise<string[]> {
    const problems: string[] = [];
    try {
      strata(['engine', 'stop', ...flags]);
    } catch (e) {
      problems.push(`strata engine stop failed: ${(e as Error).message.split('\n').slice(0, 3).join(' ')}`);
    }
    if (await pingUnix(socket)) problems.push('stratad still answers after strata engine stop');
    const leaks = findLeaks(before, [dir]);
    problems.push(
      ...leaks.processes.map((p) => `process ${p}`),
      ...leaks.mounts.filter((m) => m.includes(dir)).map((m) => `mount ${m}`),
      ...leaks.cgroupDirs.map((c) => `cgroup ${c}`),
    );
    forceCleanup(before, [dir]);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    return problems;
  }

  try {
    strata(['engine', 'start', ...flags]);
    if (!(await pingUnix(socket))) throw new Error(`strata engine start returned but ${socket} does not answer /_ping`);
  } catch (e) {
    const text = logs(execRoot);
    await stop();
    throw new Error(`${(e as Error).message}\n${text}`);
  }
  const v = spawnSync(DOCKER_CLI, ['-H', `unix://${socket}`, 'version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})'], { encoding: 'utf8' });
  return { name: 'stratad', host: `unix://${socket}`, version: `stratad ${(v.stdout ?? '').trim() || '?'}`, dir, stop, log: () => logs(execRoot) };
}
