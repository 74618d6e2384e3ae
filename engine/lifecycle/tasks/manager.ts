// The Tasks service, local side: one LiveTask per task row, a shim each.
// State changes go through the task's lock and are one DB transaction each;
// events are published after the commit.  Ordering guarantee: /tasks/start is
// published inside the lock that also serialises exit recording, so
// /tasks/exit never precedes /tasks/start (containerd runtime v2 README).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type {
  AttachRequest, AttachSession, CreateTaskRequest, ExecRequest, ExitResponse, KillRequest, Metrics,
  ProcessInfo, ProcessRequest, ResizePtyRequest, TasksApi, UpdateTaskRequest,
} from '../api-types.ts';
import { alreadyExists, failedPrecondition, invalidArgument, notFound } from '../../errors.ts';
import type { Publish } from '../events/exchange.ts';
import type { ImageService } from '../images/types.ts';
import { ID_PATTERN, type Layout } from '../paths.ts';
import type { ContainerStore } from '../store/containers.ts';
import type { Db } from '../store/db.ts';
import type { TaskRow, TaskStore } from '../store/tasks.ts';
import { freeTaskDir, processAlive, readExitFile, shimAlive, sleep, waitGone } from './leftovers.ts';
import { type ExecProc, Deferred, LiveTask } from './live.ts';
import { readMetrics } from './metrics.ts';
import { mountAll } from './mounts.ts';
import { traced } from '../trace/context.ts';
import { forceDelete } from './runtime-cli.ts';
import type { ExitStatus, ShimDriver } from './shim-types.ts';
import { assertAllowed } from './states.ts';
import { Undo } from './undo.ts';

export interface TaskManagerDeps {
  layout: Layout;
  db: Db;
  containers: ContainerStore;
  tasks: TaskStore;
  images: ImageService;
  publish: Publish;
  shims: ShimDriver;
  shimPath: string;
  log: (msg: string) => void;
}

const SIGKILL = 9;
const SIGTERM = 15;

export class TaskManager implements TasksApi {
  private readonly live = new Map<string, LiveTask>();

  constructor(private readonly d: TaskManagerDeps) {}

  // ---- create ----

  async create(req: CreateTaskRequest): Promise<{ container_id: string; pid: number }> {
    const id = req.container_id;
    const c = this.d.containers.get(id);
    if (!c) throw notFound('lifecycled', `container ${id} not found`);
    if (this.live.has(id) || this.d.tasks.get(id)) throw alreadyExists('lifecycled', `container ${id} already has a task`);
    const { layout } = this.d;
    const taskDir = layout.taskDir(id);
    const row: TaskRow = {
      container_id: id, pid: 0, status: 'creating', exit_status: 0, exited_at: '', shim_pid: 0, shim_socket: '',
      state: { terminal: req.terminal === true, stdin: req.stdin === true, bundle: taskDir, runtime: c.runtime, started: false, oom: false, shimDead: false },
    };
    const undo = new Undo();
    try {
      this.d.tasks.insert(row); // 'creating': recovery cleans it if we die before 'created'
      undo.push('task row', () => this.d.tasks.delete(id));
      mkdirSync(taskDir, { recursive: true, mode: 0o711 });
      undo.push('bundle dir', () => freeTaskDir(taskDir));
      writeFileSync(join(taskDir, 'config.json'), this.bundleSpec(c.spec, row.state.terminal));
      mkdirSync(layout.rootfs(id), { mode: 0o755 });
      mkdirSync(layout.shimDir(id), { mode: 0o700 });
      mkdirSync(layout.containerDataDir(id), { recursive: true, mode: 0o700 });
      await traced('mount rootfs', () => mountAll(this.d.images.mounts(c.snapshot_key), layout.rootfs(id)));
      undo.push('rootfs mount', () => freeTaskDir(taskDir));
      const launched = await this.d.shims.launch({
        shim: this.d.shimPath, id, bundle: taskDir, stateDir: layout.shimDir(id), runtime: c.runtime,
        runtimeRoot: layout.runtimeRoot(id), logPath: layout.logPath(id),
        logMaxSize: req.log_max_size || undefined, logMaxFile: req.log_max_file || undefined,
        terminal: row.state.terminal, stdin: row.state.stdin,
        consoleWidth: req.console_width || undefined, consoleHeight: req.console_height || undefined,
      });
      const shim = this.d.shims.connect(launched.socket);
      undo.push('shim', () => this.killShim(id, launched.shimPid, shim));
      Object.assign(row, { status: 'created', pid: launched.pid, shim_pid: launched.shimPid, shim_socket: launched.socket });
      this.d.tasks.save(row);
      undo.dismiss();
      const t = new LiveTask(row, shim);
      this.live.set(id, t);
      this.d.publish('/tasks/create', { container_id: id, bundle: taskDir, pid: launched.pid, io: { terminal: row.state.terminal, stdin: row.state.stdin } });
      void this.watch(t);
      return { container_id: id, pid: launched.pid };
    } catch (e) {
      await undo.run(this.d.log);
      throw e;
    }
  }

  /** The container's spec with the bundle-relative rootfs and the task's terminal. */
  private bundleSpec(specJson: string, terminal: boolean): string {
    const spec = JSON.parse(specJson) as { root?: { path?: string }; process?: { terminal?: boolean } };
    spec.root = { ...(spec.root ?? {}), path: 'rootfs' };
    if (spec.process) spec.process.terminal = terminal;
    return JSON.stringify(spec, null, 2);
  }

  /** Undo of a launched shim: forced shutdown, then the runtime's forced delete and SIGKILL as fallbacks. */
  private async killShim(id: string, shimPid: number, shim: { shutdown(force: boolean): Promise<void> }): Promise<void> {
    await shim.shutdown(true).catch(() => undefined);
    const c = this.d.containers.get(id);
    if (c) await forceDelete(c.runtime, this.d.layout.runtimeRoot(id), id);
    if (!(await waitGone(shimPid, 2000)) && shimAlive(shimPid, this.d.layout.shimDir(id))) process.kill(shimPid, 'SIGKILL');
  }

  // ---- the watcher: one long `wait` per task ----

  /** Wait for the init's exit; a dropped connection with a dead shim is the shim's death. */
  async watch(t: LiveTask): Promise<void> {
    while (!t.closed && t.row.status !== 'stopped') {
      try {
        const st = await t.shim.wait();
        await this.recordExit(t, st);
        return;
      } catch (e) {
        if (t.closed) return;
        if (!shimAlive(t.row.shim_pid, this.d.layout.shimDir(t.id))) {
          await this.shimDied(t);
          return;
        }
        this.d.log(`task ${t.id}: wait: ${e instanceof Error ? e.message : String(e)}; retrying`);
        await sleep(500);
      }
    }
  }

  /** The shim is gone: its exit file if it wrote one, else 255 (Docker's "unknown"); kill what is left. */
  async shimDied(t: LiveTask): Promise<void> {
    const st = readExitFile(this.d.layout.shimDir(t.id)) ?? { pid: t.row.pid, code: 255, signal: 0, oom: false, exited_at: new Date().toISOString() };
    this.d.log(`task ${t.id}: shim ${t.row.shim_pid} is gone; exit status ${st.code}`);
    await forceDelete(t.row.state.runtime, this.d.layout.runtimeRoot(t.id), t.id);
    t.row.state.shimDead = true;
    await this.recordExit(t, st);
  }

  /** Stopped, in the DB, then /tasks/oom and /tasks/exit; publishes /tasks/start first if it never was. */
  recordExit(t: LiveTask, st: ExitStatus): Promise<void> {
    return t.lock.run(async () => {
      if (t.row.status === 'stopped') {
        if (t.row.state.shimDead) this.d.tasks.save(t.row);
        return;
      }
      const needStart = !t.row.state.started && t.row.status === 'running';
      Object.assign(t.row, { status: 'stopped', exit_status: st.code, exited_at: st.exited_at, pid: t.row.pid || st.pid });
      t.row.state.oom = st.oom;
      t.row.state.started ||= needStart;
      this.d.tasks.save(t.row);
      if (needStart) this.d.publish('/tasks/start', { container_id: t.id, pid: t.row.pid });
      if (st.oom) this.d.publish('/tasks/oom', { container_id: t.id });
      this.d.publish('/tasks/exit', { container_id: t.id, id: t.id, pid: t.row.pid, exit_status: st.code, exited_at: st.exited_at });
      t.exited.resolve(t.exitResponse());
    });
  }

  /** created -> running, once: the shim started it (also what recovery finds after a crash mid-start). */
  recordStart(t: LiveTask, pid: number): Promise<void> {
    return t.lock.run(async () => {
      if (t.row.status !== 'created') return;
      Object.assign(t.row, { status: 'running', pid: pid || t.row.pid });
      t.row.state.started = true;
      this.d.tasks.save(t.row);
      this.d.publish('/tasks/start', { container_id: t.id, pid: t.row.pid });
    });
  }

  /** Recovery hands over a task it reconnected to (or found dead). */
  adopt(t: LiveTask): void {
    this.live.set(t.id, t);
    if (t.row.status === 'stopped') t.exited.resolve(t.exitResponse());
    else void this.watch(t);
  }

  // ---- verbs ----

  private task(id: string): LiveTask {
    const t = this.live.get(id);
    if (!t) throw notFound('lifecycled', `no task for container ${id}`);
    return t;
  }

  private exec_(t: LiveTask, execId: string): ExecProc {
    const e = t.execs.get(execId);
    if (!e) throw notFound('lifecycled', `no exec process ${execId} in task ${t.id}`);
    return e;
  }

  async start(req: ProcessRequest): Promise<{ pid: number }> {
    const t = this.task(req.container_id);
    if (req.exec_id) return this.startExec(t, req.exec_id);
    return t.lock.run(async () => {
      assertAllowed('start', t.row.status);
      const pid = (await t.shim.start()) || t.row.pid;
      Object.assign(t.row, { status: 'running', pid });
      t.row.state.started = true;
      this.d.tasks.save(t.row);
      this.d.publish('/tasks/start', { container_id: t.id, pid });
      return { pid };
    });
  }

  async kill(req: KillRequest): Promise<void> {
    const t = this.task(req.container_id);
    const signal = req.signal || SIGTERM;
    if (req.exec_id) {
      const e = this.exec_(t, req.exec_id);
      assertAllowed('kill', e.status, 'process');
      return t.shim.kill(signal, false, req.exec_id);
    }
    assertAllowed('kill', t.row.status);
    await t.shim.kill(signal, req.all === true);
  }

  async delete(req: ProcessRequest): Promise<ExitResponse> {
    const t = this.task(req.container_id);
    if (req.exec_id) return this.deleteExec(t, req.exec_id);
    if (t.row.status === 'created') {
      // Never started: kill it, then delete it as stopped (containerd does the same).
      await t.shim.kill(SIGKILL, true).catch(() => undefined);
      await Promise.race([t.exited.promise, sleep(10_000)]);
    }
    return t.lock.run(async () => {
      assertAllowed('delete', t.row.status);
      t.closed = true;
      const { layout } = this.d;
      if (!t.row.state.shimDead) {
        try {
          await t.shim.delete();
        } catch (e) {
          this.d.log(`task ${t.id}: shim delete: ${e instanceof Error ? e.message : String(e)}; forcing`);
          await forceDelete(t.row.state.runtime, layout.runtimeRoot(t.id), t.id);
        }
        await traced('shim shutdown', async () => {
          await t.shim.shutdown(false).catch(() => t.shim.shutdown(true).catch(() => undefined));
          if (!(await waitGone(t.row.shim_pid, 3000)) && shimAlive(t.row.shim_pid, layout.shimDir(t.id))) {
            process.kill(t.row.shim_pid, 'SIGKILL');
          }
        });
      } else {
        await forceDelete(t.row.state.runtime, layout.runtimeRoot(t.id), t.id);
      }
      // Point of no return: with the row gone, a crash from here on leaves a
      // task dir without a row, which recovery removes.
      this.d.tasks.delete(t.id);
      this.live.delete(t.id);
      await traced('unmount rootfs, remove task dir', () => freeTaskDir(layout.taskDir(t.id)));
      const res = t.exitResponse();
      this.d.publish('/tasks/delete', { container_id: t.id, id: t.id, pid: res.pid, exit_status: res.exit_status, exited_at: res.exited_at });
      return res;
    });
  }

  async exec(req: ExecRequest): Promise<void> {
    if (!ID_PATTERN.test(req.exec_id)) throw invalidArgument('lifecycled', `bad exec id "${req.exec_id}"`);
    let proc: unknown;
    try {
      proc = JSON.parse(req.spec);
    } catch (e) {
      throw invalidArgument('lifecycled', `exec ${req.exec_id}: process spec is not JSON`, e);
    }
    if (!proc || typeof proc !== 'object' || Array.isArray(proc)) throw invalidArgument('lifecycled', `exec ${req.exec_id}: process spec must be an object`);
    const t = this.task(req.container_id);
    await t.lock.run(async () => {
      assertAllowed('exec', t.row.status);
      if (t.execs.has(req.exec_id)) throw alreadyExists('lifecycled', `exec process ${req.exec_id} already exists in task ${t.id}`);
      await t.shim.exec(req.exec_id, proc as object, req.terminal === true, req.stdin === true);
      t.execs.set(req.exec_id, { id: req.exec_id, pid: 0, status: 'created', terminal: req.terminal === true, exit: undefined, done: new Deferred() });
      this.d.publish('/tasks/exec-added', { container_id: t.id, exec_id: req.exec_id });
    });
  }

  private startExec(t: LiveTask, execId: string): Promise<{ pid: number }> {
    return t.lock.run(async () => {
      const e = this.exec_(t, execId);
      assertAllowed('start', e.status, 'process');
      assertAllowed('exec', t.row.status);
      e.pid = await t.shim.start(execId);
      e.status = 'running';
      this.d.publish('/tasks/exec-started', { container_id: t.id, exec_id: execId, pid: e.pid });
      void this.watchExec(t, e);
      return { pid: e.pid };
    });
  }

  async watchExec(t: LiveTask, e: ExecProc): Promise<void> {
    let st: ExitStatus | undefined;
    while (!t.closed && !st) {
      try {
        st = await t.shim.wait(e.id);
      } catch {
        if (t.closed) return;
        if (!shimAlive(t.row.shim_pid, this.d.layout.shimDir(t.id))) {
          st = readExitFile(this.d.layout.shimDir(t.id), e.id) ?? { pid: e.pid, code: 255, signal: 0, oom: false, exited_at: new Date().toISOString() };
        } else await sleep(500);
      }
    }
    if (!st) return;
    const exit = st;
    await t.lock.run(async () => {
      e.status = 'stopped';
      e.exit = { container_id: t.id, id: e.id, pid: e.pid || exit.pid, exit_status: exit.code, exited_at: exit.exited_at, oom: exit.oom };
      this.d.publish('/tasks/exit', { container_id: t.id, id: e.id, pid: e.exit.pid, exit_status: exit.code, exited_at: exit.exited_at });
      e.done.resolve(e.exit);
    });
  }

  private deleteExec(t: LiveTask, execId: string): Promise<ExitResponse> {
    return t.lock.run(async () => {
      const e = this.exec_(t, execId);
      if (e.status !== 'stopped' && e.status !== 'created') throw failedPrecondition('lifecycled', `cannot delete a process that is ${e.status}`);
      await t.shim.delete(execId).catch((err: unknown) => {
        if (!t.row.state.shimDead) throw err;
      });
      t.execs.delete(execId);
      return e.exit ?? { container_id: t.id, id: execId, pid: e.pid, exit_status: 0, exited_at: '', oom: false };
    });
  }

  async pids(req: ProcessRequest): Promise<number[]> {
    const t = this.task(req.container_id);
    assertAllowed('pids', t.row.status);
    return t.shim.pids();
  }

  async resize(req: ResizePtyRequest): Promise<void> {
    const t = this.task(req.container_id);
    if (!(req.width > 0 && req.height > 0)) throw invalidArgument('lifecycled', 'resize needs a width and a height above 0');
    assertAllowed('resize', req.exec_id ? this.exec_(t, req.exec_id).status : t.row.status);
    await t.shim.resize(req.width, req.height, req.exec_id || undefined);
  }

  async closeIO(req: ProcessRequest): Promise<void> {
    const t = this.task(req.container_id);
    assertAllowed('close stdin of', req.exec_id ? this.exec_(t, req.exec_id).status : t.row.status);
    await t.shim.closeStdin(req.exec_id || undefined);
  }

  async wait(req: ProcessRequest): Promise<ExitResponse> {
    const t = this.task(req.container_id);
    if (req.exec_id) return this.exec_(t, req.exec_id).done.promise;
    return t.exited.promise;
  }

  async attach(req: AttachRequest): Promise<AttachSession> {
    const t = this.task(req.container_id);
    const terminal = req.exec_id ? this.exec_(t, req.exec_id).terminal : t.row.state.terminal;
    assertAllowed('attach to', req.exec_id ? this.exec_(t, req.exec_id).status : t.row.status);
    if (t.row.state.shimDead) throw failedPrecondition('lifecycled', `cannot attach to task ${t.id}: its shim is gone`);
    return t.shim.attach({ stdin: req.stdin === true, stdout: req.stdout !== false, stderr: req.stderr !== false, execId: req.exec_id || undefined, tty: terminal });
  }

  private info(t: LiveTask, e?: ExecProc): ProcessInfo {
    if (e) {
      return {
        container_id: t.id, id: e.id, pid: e.pid, status: e.status, exit_status: e.exit?.exit_status ?? 0,
        exited_at: e.exit?.exited_at ?? '', oom: false, terminal: e.terminal,
      };
    }
    const r = t.row;
    return { container_id: r.container_id, id: r.container_id, pid: r.pid, status: r.status, exit_status: r.exit_status, exited_at: r.exited_at, oom: r.state.oom, terminal: r.state.terminal, shim_pid: r.shim_pid };
  }

  async get(req: ProcessRequest): Promise<ProcessInfo> {
    const t = this.task(req.container_id);
    return this.info(t, req.exec_id ? this.exec_(t, req.exec_id) : undefined);
  }

  async list(): Promise<ProcessInfo[]> {
    return [...this.live.values()].sort((a, b) => a.id.localeCompare(b.id)).map((t) => this.info(t));
  }

  async metrics(req: ProcessRequest): Promise<Metrics> {
    const t = this.task(req.container_id);
    assertAllowed('read metrics of', t.row.status);
    if (!processAlive(t.row.pid)) throw failedPrecondition('lifecycled', `task ${t.id} has no live process to read metrics from`);
    return readMetrics(t.row.pid);
  }

  // ---- pause / resume / update (containerd's Tasks.Pause/Resume/Update: the shim runs the runtime) ----

  async pause(req: ProcessRequest): Promise<void> {
    await this.setPaused(req, true);
  }

  async resume(req: ProcessRequest): Promise<void> {
    await this.setPaused(req, false);
  }

  private setPaused(req: ProcessRequest, paused: boolean): Promise<void> {
    if (req.exec_id) throw invalidArgument('lifecycled', `${paused ? 'pause' : 'resume'} is about the whole task, not exec ${req.exec_id}`);
    const t = this.task(req.container_id);
    return t.lock.run(async () => {
      assertAllowed(paused ? 'pause' : 'resume', t.row.status);
      if (paused) await t.shim.pause();
      else await t.shim.resume();
      // An exit recorded meanwhile wins (recordExit runs under this lock, so only before us).
      t.row.status = paused ? 'paused' : 'running';
      this.d.tasks.save(t.row);
      this.d.publish(paused ? '/tasks/paused' : '/tasks/resumed', { container_id: t.id });
    });
  }

  async update(req: UpdateTaskRequest): Promise<void> {
    let resources: unknown;
    try {
      resources = JSON.parse(req.resources);
    } catch (e) {
      throw invalidArgument('lifecycled', `update ${req.container_id}: resources are not JSON`, e);
    }
    if (!resources || typeof resources !== 'object' || Array.isArray(resources)) throw invalidArgument('lifecycled', `update ${req.container_id}: resources must be a JSON object (OCI LinuxResources)`);
    const t = this.task(req.container_id);
    await t.lock.run(async () => {
      assertAllowed('update', t.row.status);
      await t.shim.update(resources as object);
      this.keepResources(t.id, resources as Record<string, unknown>);
    });
  }

  /** The container's later tasks start with the updated limits too (Docker keeps them across restarts). */
  private keepResources(id: string, resources: Record<string, unknown>): void {
    const c = this.d.containers.get(id);
    if (!c) return;
    const spec = JSON.parse(c.spec) as { linux?: { resources?: Record<string, unknown> } };
    const linux = (spec.linux ??= {});
    const current = (linux.resources ??= {});
    for (const [k, v] of Object.entries(resources)) {
      const prev = current[k];
      current[k] = v && typeof v === 'object' && !Array.isArray(v) && prev && typeof prev === 'object' && !Array.isArray(prev) ? { ...prev, ...v } : v;
    }
    this.d.containers.updateSpec(id, JSON.stringify(spec), new Date().toISOString());
  }

  /** Recovery: the shim's paused flag is the truth (a crash may come between its answer and our save). */
  syncPaused(t: LiveTask, paused: boolean): void {
    if (t.row.status !== 'running' && t.row.status !== 'paused') return;
    const status = paused ? 'paused' : 'running';
    if (t.row.status === status) return;
    t.row.status = status;
    this.d.tasks.save(t.row);
    this.d.publish(paused ? '/tasks/paused' : '/tasks/resumed', { container_id: t.id });
  }

  hasTask(id: string): boolean {
    return this.live.has(id) || this.d.tasks.get(id) !== undefined;
  }

  /** Daemon stop: watchers end; shims and containers are left running. */
  close(): void {
    for (const t of this.live.values()) t.closed = true;
  }
}
