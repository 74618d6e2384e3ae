// The one teardown of an isolated engine, whichever way it was started:
// remove every container through the top API it has (stratad: `docker rm
// -f` of all it knows), then through lifecycled (every task killed and
// deleted, every container deleted: the shims shut down), stop the daemons,
// then look for what is still on the host (engine-leaks.ts), remove it by
// force and fail with the list.  Bounded in time so that a stuck container
// cannot make the hook (120 s) time out before the forced cleanup ran:
// at most 45 s through the API, 45 s through lifecycled, then the stop.
import { rmSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

import type { LifecycleApi } from '../../engine/lifecycle/api-types.ts';
import { findEngineLeaks, forceEngineCleanup, thawEngineCgroups, type EngineScope } from './engine-leaks.ts';
import { hostMounts, type Leaks } from './leaks.ts';
import { sleep, withTimeout } from './run.ts';

/** The part of lifecycled's API the teardown uses. */
export interface RemovalClient {
  tasks: Pick<LifecycleApi['tasks'], 'list' | 'kill' | 'wait' | 'delete'>;
  containers: Pick<LifecycleApi['containers'], 'list' | 'delete'>;
  close(): void;
}

export interface EngineTeardown {
  scope: EngineScope;
  /** The engine's temp dir: unmounted under and removed at the end. */
  dir: string;
  /** Remove containers through the top API; returns problems. */
  removeThroughApi?: () => Promise<string[]>;
  /** A lifecycled client to remove what is left, or undefined when none answers. */
  lifecycled?: () => Promise<RemovalClient | undefined>;
  /** Stop the daemons (and wait for them). */
  stop: () => Promise<void>;
  /** Keep the temp dir (debugging). */
  keep?: boolean;
  /** Daemon output for the failure message. */
  output?: () => string;
}

/** Every task killed and deleted, every container deleted (which shuts its shim down); in parallel, bounded. */
export async function removeAllTasks(c: Omit<RemovalClient, 'close'>, problems: string[]): Promise<void> {
  const tasks = await c.tasks.list();
  await Promise.all(
    tasks.map(async (t) => {
      try {
        if (t.status !== 'stopped') {
          await c.tasks.kill({ container_id: t.container_id, signal: 9, all: true }).catch(() => undefined);
          await withTimeout(c.tasks.wait({ container_id: t.container_id }), 10_000, `wait ${t.container_id}`);
        }
        await withTimeout(c.tasks.delete({ container_id: t.container_id }), 20_000, `delete task ${t.container_id}`);
      } catch (e) {
        problems.push(`delete task ${t.container_id}: ${(e as Error).message}`);
      }
    }),
  );
  for (const ctr of await c.containers.list()) {
    try {
      await withTimeout(c.containers.delete(ctr.id), 20_000, `delete container ${ctr.id}`);
    } catch (e) {
      problems.push(`delete container ${ctr.id}: ${(e as Error).message}`);
    }
  }
}

/** Lazily unmount every mount at or below dir (or one of dirs), deepest first; returns what was there. */
export function unmountUnder(dirs: string | string[]): string[] {
  const list = typeof dirs === 'string' ? [dirs] : dirs;
  const found = hostMounts()
    .map((m) => m.mountPoint)
    .filter((p) => list.some((d) => p === d || p.startsWith(`${d}/`)))
    .sort((a, b) => b.length - a.length);
  for (const p of found) spawnSync('umount', ['-l', p], { stdio: 'ignore' });
  return found;
}

export function describeLeaks(l: Leaks): string {
  const parts: string[] = [];
  if (l.mounts.length) parts.push(`mounts:\n  ${l.mounts.join('\n  ')}`);
  if (l.cgroupDirs.length) parts.push(`cgroups:\n  ${l.cgroupDirs.join('\n  ')}`);
  if (l.processes.length) parts.push(`processes:\n  ${l.processes.join('\n  ')}`);
  return parts.join('\n');
}

/** Run the teardown; throws with the problems and leftovers (after removing them). */
export async function teardownEngine(t: EngineTeardown): Promise<void> {
  const problems: string[] = [];
  try {
    if (t.removeThroughApi) problems.push(...(await withTimeout(t.removeThroughApi(), 45_000, 'removing containers through the API')));
  } catch (e) {
    problems.push(`cleanup through the API failed: ${(e as Error).message}`);
  }
  try {
    const client = await t.lifecycled?.();
    if (client) {
      try {
        thawEngineCgroups(t.scope); // a paused container ignores SIGKILL
        await withTimeout(removeAllTasks(client, problems), 45_000, 'removing tasks through lifecycled');
      } finally {
        client.close();
      }
    }
  } catch (e) {
    problems.push(`cleanup through lifecycled failed: ${(e as Error).message}`);
  }
  try {
    await t.stop();
  } catch (e) {
    problems.push(`stopping the engine failed: ${(e as Error).message}`);
  }
  await sleep(20); // let a queued tasks-dir watch event in
  const leaks = findEngineLeaks(t.scope);
  t.scope.tracker?.stop();
  await forceEngineCleanup(t.scope);
  unmountUnder(t.dir);
  if (!t.keep) rmSync(t.dir, { recursive: true, force: true });
  const text = describeLeaks(leaks);
  if (text) problems.push(`leaked after teardown:\n${text}`);
  if (problems.length > 0) {
    const tail = t.output ? `\ndaemon output (tail):\n${t.output().split('\n').slice(-40).join('\n')}` : '';
    throw new Error(`${problems.join('\n')}${tail}`);
  }
}
