// Recovery at start (containerd core/runtime/v2/shim_load.go): walk the exec
// root and the tasks table, reconnect every live shim under one time budget,
// reconcile with the metadata, report exits that happened while we were down,
// and clean what a crash left half made.  It runs before the socket listens,
// so nothing else touches tasks meanwhile; events it publishes land in the
// history, so a subscriber that connects after the restart (since=0) sees them.
//
// The cases a task can be found in:
//  1. dir + row created/running + shim answers: reconnect.  The shim's view
//     wins: running -> running (publish /tasks/start if the crash came between
//     the shim's start and our record of it); paused <-> running as the shim
//     says (a crash between its pause and our save); stopped -> record the real exit
//     (from its state / exit file) and publish /tasks/exit.  Running execs are
//     watched again.
//  2. dir + row created/running + shim dead (SIGKILLed, or pid gone): exit
//     file status if present, else 255; `runtime delete --force` at once so
//     nothing of the container runs unsupervised; row stopped + shimDead; the
//     mount, bundle and cgroup are freed by task delete.
//  3. dir + row stopped: kept as is (exit already reported before the crash);
//     shimDead if the shim is gone.
//  4. shim alive but not answering in time (stopped, overloaded): kept in its
//     recorded state; its watcher keeps trying.  Never killed.
//  5. row "creating" (crash mid-create): shim forced shutdown, runtime delete
//     --force, kill the shim, unmount rootfs, remove the dir and the row.  The
//     container keeps its snapshot (it owns it).
//  6. dir without a row (crash mid-create before the row, or in task delete
//     after the row was removed): cleaned like 5.
//  7. row (not creating) without a dir: the exec root was wiped (reboot): the
//     container's end is reported as 255, row stopped + shimDead.
//  8. rootfs mounts under <exec-root>/tasks with no task left: unmounted.
//  9. active snapshots with no container row (crash in container create or
//     delete): removed.
// 10. <data-root>/containers/<id> (the log dir) with no container row (crash
//     in container delete after the row went): removed.
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import type { ImageService } from './images/types.ts';
import type { Layout } from './paths.ts';
import type { ContainerStore } from './store/containers.ts';
import type { TaskRow, TaskStore } from './store/tasks.ts';
import { freeTaskDir, readExitFile, readPidFile, shimAlive, waitGone } from './tasks/leftovers.ts';
import { LiveTask, type ExecProc, Deferred } from './tasks/live.ts';
import type { TaskManager } from './tasks/manager.ts';
import { mountPoints, unmountAll } from './tasks/mounts.ts';
import { forceDelete } from './tasks/runtime-cli.ts';
import type { ExitStatus, ShimConn, ShimDriver, ShimState } from './tasks/shim-types.ts';

export interface RecoveryDeps {
  layout: Layout;
  containers: ContainerStore;
  tasks: TaskStore;
  images: ImageService;
  shims: ShimDriver;
  manager: TaskManager;
  defaultRuntime: string;
  log: (msg: string) => void;
}

const SHIM_BUDGET_MS = 3000;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const t = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${what}: no answer in ${ms} ms`)), ms)));
  return Promise.race([p, t]).finally(() => clearTimeout(timer));
}

const unknownExit = (pid: number): ExitStatus => ({ pid, code: 255, signal: 0, oom: false, exited_at: new Date().toISOString() });

export class Recovery {
  constructor(private readonly d: RecoveryDeps) {}

  async run(): Promise<void> {
    const { layout } = this.d;
    const dirs = existsSync(layout.tasksDir) ? readdirSync(layout.tasksDir) : [];
    const rows = new Map(this.d.tasks.list().map((r) => [r.container_id, r]));
    const jobs: Promise<void>[] = [];
    for (const id of dirs) {
      const row = rows.get(id);
      if (!row || row.status === 'creating') jobs.push(this.scrap(id, row)); // cases 5, 6
      else jobs.push(this.reconnect(row)); // cases 1-4
    }
    for (const row of rows.values()) {
      if (dirs.includes(row.container_id)) continue;
      if (row.status === 'creating') jobs.push(this.scrap(row.container_id, row));
      else jobs.push(this.vanished(row)); // case 7
    }
    const results = await Promise.allSettled(jobs);
    for (const r of results) if (r.status === 'rejected') this.d.log(`recovery: ${r.reason instanceof Error ? r.reason.message : String(r.reason)}`);
    await this.unmountOrphans(); // case 8
    await this.removeOrphanSnapshots(); // case 9
    this.removeOrphanDataDirs(); // case 10
  }

  private removeOrphanDataDirs(): void {
    const root = join(this.d.layout.dataRoot, 'containers');
    if (!existsSync(root)) return;
    for (const id of readdirSync(root)) {
      if (this.d.containers.get(id)) continue;
      this.d.log(`recovery: removing ${join(root, id)}: no container`);
      rmSync(join(root, id), { recursive: true, force: true });
    }
  }

  private shimPid(id: string, row?: TaskRow): number {
    return readPidFile(join(this.d.layout.shimDir(id), 'shim.pid')) || row?.shim_pid || 0;
  }

  private async reconnect(row: TaskRow): Promise<void> {
    const id = row.container_id;
    const shimDir = this.d.layout.shimDir(id);
    const shimPid = this.shimPid(id, row);
    row.shim_pid ||= shimPid;
    const socket = row.shim_socket || join(shimDir, 'shim.sock');
    const shim = this.d.shims.connect(socket);
    const t = new LiveTask(row, shim);
    if (!shimAlive(shimPid, shimDir)) {
      if (row.status === 'stopped') {
        t.row.state.shimDead = true;
        this.d.tasks.save(t.row);
      } else {
        await this.d.manager.shimDied(t); // case 2
      }
      this.d.manager.adopt(t);
      return;
    }
    let state: ShimState;
    try {
      state = await withTimeout(shim.state(), SHIM_BUDGET_MS, `shim of ${id}`);
    } catch (e) {
      this.d.log(`recovery: task ${id}: ${e instanceof Error ? e.message : String(e)}; keeping it as ${row.status}`); // case 4
      this.d.manager.adopt(t);
      return;
    }
    this.restoreExecs(t, state, shimDir);
    if (state.status === 'stopped' && row.status !== 'stopped') {
      await this.d.manager.recordExit(t, state.exit ?? readExitFile(shimDir) ?? unknownExit(row.pid)); // case 1, exit while down
    } else if ((state.status === 'running' || state.status === 'paused') && row.status === 'created') {
      await this.d.manager.recordStart(t, state.pid); // the crash came between the shim's start and our record
    }
    if (state.status === 'running' || state.status === 'paused') this.d.manager.syncPaused(t, state.status === 'paused');
    this.d.manager.adopt(t);
    this.d.log(`recovery: task ${id}: reconnected (pid ${row.pid}, ${row.status})`);
  }

  private restoreExecs(t: LiveTask, state: ShimState, shimDir: string): void {
    for (const e of state.execs ?? []) {
      const exit = e.exit ?? (e.status === 'stopped' ? readExitFile(shimDir, e.exec_id) : undefined);
      const proc: ExecProc = {
        id: e.exec_id, pid: e.pid, status: exit ? 'stopped' : e.status === 'running' ? 'running' : 'created', terminal: false,
        exit: exit ? { container_id: t.id, id: e.exec_id, pid: e.pid, exit_status: exit.code, exited_at: exit.exited_at, oom: exit.oom } : undefined,
        done: new Deferred(),
      };
      if (proc.exit) proc.done.resolve(proc.exit);
      t.execs.set(e.exec_id, proc);
      if (proc.status === 'running') void this.d.manager.watchExec(t, proc);
    }
  }

  /** Case 7: no bundle, no shim: the end is reported as 255. */
  private async vanished(row: TaskRow): Promise<void> {
    const t = new LiveTask(row, this.d.shims.connect(join(this.d.layout.shimDir(row.container_id), 'shim.sock')));
    t.row.state.shimDead = true;
    if (row.status !== 'stopped') await this.d.manager.recordExit(t, unknownExit(row.pid));
    else this.d.tasks.save(t.row);
    this.d.manager.adopt(t);
  }

  /** Cases 5 and 6: a half-made or half-deleted task: nothing of it is kept. */
  private async scrap(id: string, row: TaskRow | undefined): Promise<void> {
    const { layout } = this.d;
    const shimDir = layout.shimDir(id);
    const shimPid = this.shimPid(id, row);
    this.d.log(`recovery: task ${id}: ${row ? 'left in creation' : 'no record'}; cleaning it`);
    if (shimAlive(shimPid, shimDir)) {
      const shim: ShimConn = this.d.shims.connect(row?.shim_socket || join(shimDir, 'shim.sock'));
      await withTimeout(shim.shutdown(true), SHIM_BUDGET_MS, `shim of ${id}`).catch(() => undefined);
      if (!(await waitGone(shimPid, 2000)) && shimAlive(shimPid, shimDir)) process.kill(shimPid, 'SIGKILL');
    }
    const runtime = row?.state.runtime || this.d.containers.get(id)?.runtime || this.d.defaultRuntime;
    if (existsSync(layout.runtimeRoot(id))) await forceDelete(runtime, layout.runtimeRoot(id), id);
    await freeTaskDir(layout.taskDir(id));
    if (row) this.d.tasks.delete(id);
  }

  private async unmountOrphans(): Promise<void> {
    const prefix = `${this.d.layout.tasksDir}/`;
    for (const mp of mountPoints()) {
      if (!mp.startsWith(prefix)) continue;
      const id = mp.slice(prefix.length).split('/')[0] ?? '';
      if (id && existsSync(this.d.layout.taskDir(id)) && this.d.tasks.get(id)) continue;
      this.d.log(`recovery: unmounting leftover ${mp}`);
      await unmountAll(mp).catch((e: unknown) => this.d.log(`recovery: ${e instanceof Error ? e.message : String(e)}`));
    }
  }

  private async removeOrphanSnapshots(): Promise<void> {
    for (const s of this.d.images.listSnapshots()) {
      if (s.kind !== 'active' || this.d.containers.get(s.key)) continue;
      this.d.log(`recovery: removing snapshot ${s.key}: no container uses it`);
      await this.d.images.removeSnapshot(s.key).catch((e: unknown) => this.d.log(`recovery: ${e instanceof Error ? e.message : String(e)}`));
    }
  }
}
