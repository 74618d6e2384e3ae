// Where a container's files are, for `docker cp`: a running task's root as
// its own mount namespace sees it (/proc/<pid>/root, so bind mounts and
// volumes are included); a created or stopped task's bundle rootfs (mounted
// by lifecycled while the task exists); with no task, the container's
// snapshot mounted for the one operation on a temp dir, then unmounted.
import { existsSync, mkdtempSync, rmdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { mountAll, unmountAll } from '../../lifecycle/tasks/mounts.ts';
import { conflict, isEngineError } from '../../errors.ts';
import { lifecycleLayout } from './backend.ts';

export async function withRoot<T>(lc: LifecycleApi, id: string, fn: (root: string) => Promise<T>): Promise<T> {
  let task;
  try {
    task = await lc.tasks.get({ container_id: id });
  } catch (e) {
    if (!isEngineError(e, 'NotFound')) throw e;
  }
  if (task) {
    if ((task.status === 'running' || task.status === 'paused') && task.pid > 0 && existsSync(`/proc/${task.pid}/root/`)) return fn(`/proc/${task.pid}/root`);
    const bundle = lifecycleLayout().rootfs(id);
    if (existsSync(bundle)) return fn(bundle);
  }
  const ctr = await lc.containers.get(id);
  if (!ctr.snapshot_key) throw conflict('stratad', `container ${id} has no root filesystem to copy from`);
  const mounts = await lc.snapshots.mounts(ctr.snapshot_key);
  const dir = mkdtempSync(join(tmpdir(), 'stratad-cp-'));
  try {
    try {
      await mountAll(mounts, dir);
    } catch (e) {
      throw conflict('stratad', `cannot mount the root filesystem of stopped container ${id}: ${e instanceof Error ? e.message : String(e)}`);
    }
    return await fn(dir);
  } finally {
    await unmountAll(dir).catch(() => undefined);
    rmdirSync(dir);
  }
}
