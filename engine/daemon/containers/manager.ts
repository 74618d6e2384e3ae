// The container verbs behind the routes: create, start, stop, kill, wait,
// remove, rename, pause, update, prune; and the state tracking that keeps
// each record's State current from lifecycled's task events (exit, oom),
// drives restart policies and AutoRemove, and reconciles with lifecycled's
// tasks when stratad starts.  Verbs on one container run one at a time.
//
// The lifecycled container id is the first 32 hex digits of the Docker id:
// shim sockets live under <exec-root>/tasks/<id>/shim/ and sun_path has 108
// bytes (see lifecycleId()).
import { randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { rmSync } from 'node:fs';
import { constants } from 'node:os';

import type { Envelope, LifecycleApi, ProcessInfo } from '../../lifecycle/api-types.ts';
import { conflict, errorClassOf, failedPrecondition, invalidArgument, notFound } from '../../errors.ts';
import type { DockerEvents } from '../events.ts';
import type { ContainerMounts } from '../volumes/container-mounts.ts';
import { imageExposedPorts } from '../network/image-ports.ts';
import type { NetworkManager } from '../network/manager.ts';
import { restartOnDaemonStart, shouldRestart } from '../restart.ts';
import { backgroundTrace, step } from '../trace/request.ts';
import { cgroupV2, linuxResources } from './cgroup.ts';
import { checkName, parseCreateBody } from './create-body.ts';
import { containerDir, writeContainerFiles } from './files.ts';
import { nowNano } from './human.ts';
import { imageConfig } from './image-config.ts';
import { buildSpec, command } from './spec.ts';
import type { ContainerStore } from './store.ts';
import { ZERO_TIME, type ContainerRecord, type ContainerState } from './types.ts';

/** lifecycled's id for a container (see the header). */
export function lifecycleId(id: string): string {
  return id.slice(0, 32);
}

export interface ManagerDeps {
  lifecycle: LifecycleApi;
  store: ContainerStore;
  events: DockerEvents;
  dataRoot: string;
  log: (msg: string) => void;
  /** Volumes, binds and tmpfs of a container (volumes/container-mounts.ts); without it, no mounts. */
  mounts?: ContainerMounts;
  /** Endpoints, namespaces and published ports (network/manager.ts); without it, containers get a bare namespace. */
  network?: NetworkManager;
}

export interface WaitResult {
  StatusCode: number;
  Error: { Message: string } | null;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

type StartHook = () => Promise<void>;

const SIGNALS = constants.signals as Record<string, number>;

/** "KILL", "SIGKILL", "9" -> 9; undefined for an empty string. */
export function parseSignal(text: string | null | undefined): number | undefined {
  if (!text) return undefined;
  if (/^\d+$/.test(text)) {
    const n = Number(text);
    if (n >= 1 && n <= 64) return n;
  } else {
    const upper = text.toUpperCase();
    const n = SIGNALS[upper.startsWith('SIG') ? upper : `SIG${upper}`];
    if (n !== undefined) return n;
  }
  throw invalidArgument('stratad', `Invalid signal: ${text}`);
}

/** Docker's image reference defaults: "busybox" -> "busybox:latest", docker.io/library/ dropped. */
export function normalizeImage(ref: string): string {
  let r = ref.replace(/^docker\.io\/library\//, '').replace(/^docker\.io\//, '').replace(/^index\.docker\.io\/library\//, '');
  if (r.includes('@')) return r;
  const lastSlash = r.lastIndexOf('/');
  if (!r.slice(lastSlash + 1).includes(':')) r = `${r}:latest`;
  return r;
}

const isRunningish = (s: ContainerState) => s.Status === 'running' || s.Status === 'paused' || s.Status === 'restarting';

export class ContainerManager {
  private readonly locks = new Map<string, Promise<unknown>>();
  private readonly bus = new EventEmitter();
  private readonly startHooks = new Map<string, Set<StartHook>>();
  private readonly restartTimers = new Map<string, NodeJS.Timeout>();
  private readonly backoff = new Map<string, number>();
  private readonly oomSeen = new Set<string>();
  private readonly earlyExits = new Map<string, { code: number; at: string; pid: number }>();
  private closed = false;

  constructor(private readonly d: ManagerDeps) {
    this.bus.setMaxListeners(0);
  }

  close(): void {
    this.closed = true;
    for (const t of this.restartTimers.values()) clearTimeout(t);
    this.restartTimers.clear();
  }

  /** Serialize verbs per container. */
  private async locked<T>(id: string, fn: () => Promise<T>): Promise<T> {
    const prev = this.locks.get(id) ?? Promise.resolve();
    const run = prev.then(fn, fn);
    const tail = run.catch(() => undefined);
    this.locks.set(id, tail);
    try {
      return await run;
    } finally {
      if (this.locks.get(id) === tail) this.locks.delete(id);
    }
  }

  private event(rec: ContainerRecord, action: string, extra: Record<string, string> = {}): void {
    this.d.events.emit('container', action, rec.id, { image: rec.image, name: rec.name, ...rec.config.Labels, ...extra });
  }

  // ---- create ---------------------------------------------------------------

  /** 409 with Docker's words when the name belongs to another container. */
  private claimable(name: string): void {
    const taken = this.d.store.byName(name);
    if (taken) throw conflict('stratad', `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`);
  }

  async create(body: unknown, nameParam: string | null): Promise<{ Id: string; Warnings: string[] }> {
    const { config, hostConfig } = parseCreateBody(body);
    const id = randomBytes(32).toString('hex');
    let name = nameParam ? checkName(nameParam) : this.generateName();
    this.claimable(name); // fail fast, before the image lookups
    const imageRef = normalizeImage(config.Image);
    let image;
    try {
      image = await this.d.lifecycle.images.get(imageRef);
    } catch (e) {
      if (errorClassOf(e) === 'NotFound') throw notFound('stratad', `No such image: ${imageRef}`);
      throw e;
    }
    const img = await step('image config', () => imageConfig(this.d.lifecycle, imageRef, image.target.digest, config.User));
    const { argv, entrypoint, cmd } = command({ config }, img);
    const rec: ContainerRecord = {
      id, name, image: config.Image, imageRef, imageId: img.id,
      config: {
        ...config,
        Hostname: config.Hostname || id.slice(0, 12),
        Env: [...new Map([...img.env, ...config.Env].map((kv) => [kv.split('=')[0], kv])).values()],
        Cmd: cmd, Entrypoint: entrypoint.length ? entrypoint : null,
        WorkingDir: config.WorkingDir || img.workingDir.replace(/^\/$/, ''),
        User: config.User || img.user,
      },
      hostConfig, path: argv[0] ?? '', args: argv.slice(1), created: nowNano(), restartCount: 0, manuallyStopped: false, hasBeenStarted: false,
      state: { Status: 'created', Pid: 0, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: ZERO_TIME, FinishedAt: ZERO_TIME },
    };
    const prepared = await step('prepare mounts', () => this.d.mounts?.prepare(config, hostConfig, { ref: imageRef, digest: image.target.digest }));
    rec.mounts = prepared?.points ?? [];
    let files;
    try {
      files = await step('hostname, hosts, resolv.conf', () => writeContainerFiles(this.d.dataRoot, id, rec.config.Hostname, hostConfig.NetworkMode));
    } catch (e) {
      await prepared?.undo();
      throw e;
    }
    try {
      const net = await step('prepare network', () => this.d.network?.prepare(rec, body, () => imageExposedPorts(this.d.lifecycle, imageRef)));
      const spec = await step('OCI spec', () => buildSpec({ rec: { ...rec, config: { ...rec.config, Cmd: config.Cmd, Entrypoint: config.Entrypoint, User: config.User, WorkingDir: config.WorkingDir } }, img, lcId: lifecycleId(id), files, cgroupV2: cgroupV2(), netnsPath: net?.netnsPath }));
      // The name is claimed before the slow lifecycled call: a second create with it gets 409.
      // Checked again here, with nothing awaited before the insert: another
      // create may have taken it while the image lookups ran.
      if (!nameParam && this.d.store.byName(name)) rec.name = name = this.generateName();
      this.claimable(name);
      await step('store record', () => this.d.store.insert(rec));
      try {
        await this.d.lifecycle.containers.create({ id: lifecycleId(id), image: imageRef, spec: JSON.stringify(spec), labels: { 'strata.docker.id': id, 'strata.docker.name': name } });
      } catch (e) {
        this.d.store.delete(id);
        throw e;
      }
      try {
        await this.d.mounts?.copyUp(lifecycleId(id), rec.mounts);
      } catch (e) {
        await this.d.lifecycle.containers.delete(lifecycleId(id)).catch(() => undefined);
        this.d.store.delete(id);
        throw e;
      }
    } catch (e) {
      await this.d.network?.release(id).catch((x: unknown) => this.d.log(`container ${id}: network release: ${String(x)}`));
      rmSync(containerDir(this.d.dataRoot, id), { recursive: true, force: true });
      await prepared?.undo();
      throw e;
    }
    this.event(rec, 'create');
    return { Id: id, Warnings: [] };
  }

  private generateName(): string {
    const adjectives = ['brave', 'calm', 'eager', 'gentle', 'happy', 'jolly', 'keen', 'lucid', 'merry', 'quirky', 'sharp', 'tender', 'vivid', 'witty', 'zen'];
    const nouns = ['babbage', 'curie', 'darwin', 'euler', 'feynman', 'gauss', 'hopper', 'kepler', 'lovelace', 'noether', 'pascal', 'ritchie', 'shannon', 'turing', 'wozniak'];
    for (;;) {
      const pick = (a: string[]) => a[Math.floor(Math.random() * a.length)] ?? a[0];
      const n = `${pick(adjectives)}_${pick(nouns)}${Math.random() < 0.5 ? '' : Math.floor(Math.random() * 10)}`;
      if (!this.d.store.byName(n)) return n;
    }
  }

  // ---- start ----------------------------------------------------------------

  /**
   * Run `hook` after the task for the next start of `id` is created and
   * before it starts (attach connects there so no output is missed).
   * Returns the unregister function.
   */
  beforeStart(id: string, hook: StartHook): () => void {
    let set = this.startHooks.get(id);
    if (!set) this.startHooks.set(id, (set = new Set()));
    set.add(hook);
    return () => set.delete(hook);
  }

  /** false when it was already running (304). */
  start(ref: string): Promise<boolean> {
    const rec = this.d.store.resolve(ref);
    return this.locked(rec.id, () => this.startLocked(rec.id, false));
  }

  private async startLocked(id: string, byPolicy: boolean): Promise<boolean> {
    const rec = this.d.store.get(id);
    if (!rec) throw notFound('stratad', `No such container: ${id}`);
    if (rec.state.Status === 'paused') throw conflict('stratad', 'cannot start a paused container, try unpause instead');
    if (rec.state.Status === 'running') return false;
    if (rec.state.Status === 'removing') throw conflict('stratad', `container is marked for removal and cannot be started`);
    const lcId = lifecycleId(id);
    this.clearRestartTimer(id);
    const existing = await this.task(lcId);
    if (existing && existing.status === 'running') {
      this.setRunning(id, existing.pid);
      return false;
    }
    if (existing) await this.d.lifecycle.tasks.delete({ container_id: lcId }).catch(() => undefined);
    const size = Array.isArray(rec.hostConfig.ConsoleSize) ? (rec.hostConfig.ConsoleSize as unknown[]) : [];
    this.d.network?.beforeTask(rec);
    try {
      const created = await this.d.lifecycle.tasks.create({
        container_id: lcId, terminal: rec.config.Tty, stdin: rec.config.OpenStdin,
        console_height: typeof size[0] === 'number' ? size[0] : 0, console_width: typeof size[1] === 'number' ? size[1] : 0,
      });
      await step('attach network', () => this.d.network?.attachTask(rec, created.pid));
      const hooks = [...(this.startHooks.get(id) ?? [])];
      this.startHooks.delete(id);
      if (hooks.length > 0) await step('connect attached clients', () => Promise.all(hooks.map((h) => withTimeout(h(), 5_000).catch((e: unknown) => this.d.log(`container ${id}: start hook: ${String(e)}`)))));
      this.earlyExits.delete(lcId);
      this.oomSeen.delete(lcId);
      const { pid } = await this.d.lifecycle.tasks.start({ container_id: lcId });
      this.d.store.update(id, (r) => {
        r.state = { Status: 'running', Pid: pid, ExitCode: 0, Error: '', OOMKilled: false, StartedAt: nowNano(), FinishedAt: r.state.FinishedAt };
        r.hasBeenStarted = true;
        if (!byPolicy) r.manuallyStopped = false;
      });
      const early = this.earlyExits.get(lcId);
      this.earlyExits.delete(lcId);
      if (early && (!early.pid || early.pid === pid)) setImmediate(() => this.onExit(id, early.code, early.at, false));
    } catch (e) {
      await this.d.lifecycle.tasks.delete({ container_id: lcId }).catch(() => undefined);
      const message = e instanceof Error ? e.message : String(e);
      const code = /executable file not found|no such file or directory|ENOENT/i.test(message) ? 127 : /permission denied|is a directory|EACCES/i.test(message) ? 126 : 128;
      this.d.store.update(id, (r) => {
        r.state = { ...r.state, Status: r.state.Status === 'restarting' ? 'exited' : r.state.Status === 'created' ? 'created' : 'exited', Pid: 0, ExitCode: code, Error: message, FinishedAt: nowNano() };
      });
      this.bus.emit(`exit:${id}`, code);
      throw e;
    }
    this.event(rec, 'start');
    return true;
  }

  private setRunning(id: string, pid: number): void {
    this.d.store.update(id, (r) => {
      r.state = { ...r.state, Status: 'running', Pid: pid };
    });
  }

  private async task(lcId: string): Promise<ProcessInfo | undefined> {
    try {
      return await this.d.lifecycle.tasks.get({ container_id: lcId });
    } catch (e) {
      if (errorClassOf(e) === 'NotFound') return undefined;
      throw e;
    }
  }

  // ---- stop / kill / restart ------------------------------------------------

  /** false when it was not running (304). */
  stop(ref: string, timeoutS: number | undefined, signal: string | undefined): Promise<boolean> {
    const rec = this.d.store.resolve(ref);
    return this.locked(rec.id, () => this.stopLocked(rec.id, timeoutS, signal));
  }

  private async stopLocked(id: string, timeoutS: number | undefined, signalText: string | undefined): Promise<boolean> {
    const rec = this.d.store.get(id);
    if (!rec) throw notFound('stratad', `No such container: ${id}`);
    this.clearRestartTimer(id);
    if (rec.state.Status === 'restarting') {
      this.d.store.update(id, (r) => {
        r.manuallyStopped = true;
        r.state = { ...r.state, Status: 'exited' };
      });
      return true;
    }
    if (!isRunningish(rec.state)) return false;
    this.d.store.update(id, (r) => void (r.manuallyStopped = true));
    const sig = parseSignal(signalText) ?? parseSignal(rec.config.StopSignal) ?? 15;
    const timeout = timeoutS ?? rec.config.StopTimeout ?? 10;
    const lcId = lifecycleId(id);
    const exited = this.nextExit(id);
    if (rec.state.Status === 'paused') this.thaw(lcId);
    await this.d.lifecycle.tasks.kill({ container_id: lcId, signal: sig }).catch(() => undefined);
    if (timeout < 0 ? await exited.then(() => true) : await raceTimeout(exited, timeout * 1000)) {
      this.event(rec, 'stop');
      return true;
    }
    await this.d.lifecycle.tasks.kill({ container_id: lcId, signal: 9, all: true }).catch(() => undefined);
    if (!(await raceTimeout(exited, 10_000))) throw failedPrecondition('stratad', `container ${id} did not exit within 10 s of SIGKILL`);
    this.event(rec, 'stop');
    return true;
  }

  kill(ref: string, signalText: string | undefined): Promise<void> {
    const rec = this.d.store.resolve(ref);
    const sig = parseSignal(signalText) ?? 9;
    return this.locked(rec.id, async () => {
      const r = this.d.store.get(rec.id);
      if (!r || r.state.Status !== 'running') throw conflict('stratad', `container ${rec.id} is not running`);
      // moby: a kill by the user counts as a manual stop (unless-stopped stays down).
      if (sig === 9 || sig === 15) this.d.store.update(rec.id, (x) => void (x.manuallyStopped = true));
      await this.d.lifecycle.tasks.kill({ container_id: lifecycleId(rec.id), signal: sig, all: sig === 9 });
      this.event(r, 'kill', { signal: String(sig) });
    });
  }

  restart(ref: string, timeoutS: number | undefined, signal: string | undefined): Promise<void> {
    const rec = this.d.store.resolve(ref);
    return this.locked(rec.id, async () => {
      await this.stopLocked(rec.id, timeoutS, signal);
      await this.startLocked(rec.id, false);
      this.event(rec, 'restart');
    });
  }

  // ---- wait -----------------------------------------------------------------

  private nextExit(id: string): Promise<number> {
    return new Promise((resolve) => this.bus.once(`exit:${id}`, resolve));
  }

  /**
   * The exit the condition names.  Callers send the response headers first
   * (docker run blocks on them before start).  `abort` drops the waiter.
   */
  wait(ref: string, condition: WaitCondition, abort: AbortSignal): Promise<WaitResult> {
    const rec = this.d.store.resolve(ref);
    const result = (code: number): WaitResult => {
      const r = this.d.store.get(rec.id);
      const err = r?.state.Error;
      return { StatusCode: code, Error: err ? { Message: err } : null };
    };
    if (condition === 'not-running' && !isRunningish(rec.state)) return Promise.resolve(result(rec.state.ExitCode));
    return new Promise((resolve, reject) => {
      const topic = condition === 'removed' ? `removed:${rec.id}` : `exit:${rec.id}`;
      const on = (code: number) => {
        abort.removeEventListener('abort', onAbort);
        resolve(condition === 'removed' ? { StatusCode: code, Error: null } : result(code));
      };
      const onAbort = () => {
        this.bus.off(topic, on);
        reject(new Error('client went away'));
      };
      this.bus.once(topic, on);
      abort.addEventListener('abort', onAbort, { once: true });
    });
  }

  // ---- remove / rename / pause / update / prune ------------------------------

  /** removeVolumes (`rm -v`): its anonymous volumes go too (always for AutoRemove containers). */
  remove(ref: string, force: boolean, removeVolumes = false): Promise<void> {
    const rec = this.d.store.resolve(ref);
    return this.locked(rec.id, () => this.removeLocked(rec.id, force, removeVolumes));
  }

  private async removeLocked(id: string, force: boolean, removeVolumes: boolean): Promise<void> {
    const rec = this.d.store.get(id);
    if (!rec) throw notFound('stratad', `No such container: ${id}`);
    this.clearRestartTimer(id);
    const lcId = lifecycleId(id);
    if (isRunningish(rec.state) && rec.state.Status !== 'restarting') {
      if (!force) throw conflict('stratad', `cannot remove container "/${rec.name}": container is running: stop the container before removing or force remove`);
      this.d.store.update(id, (r) => void (r.manuallyStopped = true));
      const exited = this.nextExit(id);
      if (rec.state.Status === 'paused') this.thaw(lcId);
      await this.d.lifecycle.tasks.kill({ container_id: lcId, signal: 9, all: true }).catch(() => undefined);
      await raceTimeout(exited, 10_000);
    }
    this.d.store.update(id, (r) => void (r.state = { ...r.state, Status: 'removing' }));
    try {
      await this.d.lifecycle.tasks.delete({ container_id: lcId }).catch((e: unknown) => {
        if (errorClassOf(e) !== 'NotFound') throw e;
      });
      await this.d.lifecycle.containers.delete(lcId).catch((e: unknown) => {
        if (errorClassOf(e) !== 'NotFound') throw e;
      });
    } catch (e) {
      this.d.store.update(id, (r) => void (r.state = { ...r.state, Status: 'dead', Error: e instanceof Error ? e.message : String(e) }));
      throw e;
    }
    this.d.store.delete(id);
    this.backoff.delete(id);
    await this.d.network?.release(id).catch((e: unknown) => this.d.log(`container ${id}: network release: ${String(e)}`));
    rmSync(containerDir(this.d.dataRoot, id), { recursive: true, force: true });
    await this.d.mounts?.release(rec.mounts ?? [], removeVolumes || rec.hostConfig.AutoRemove);
    this.event(rec, 'destroy');
    const code = this.d.store.get(id)?.state.ExitCode ?? rec.state.ExitCode;
    this.bus.emit(`removed:${id}`, code);
  }

  rename(ref: string, newName: string): Promise<void> {
    const rec = this.d.store.resolve(ref);
    const name = checkName(newName);
    return this.locked(rec.id, async () => {
      const taken = this.d.store.byName(name);
      if (taken && taken.id !== rec.id) throw conflict('stratad', `Conflict. The container name "/${name}" is already in use by container "${taken.id}". You have to remove (or rename) that container to be able to reuse that name.`);
      if (rec.name === name) throw invalidArgument('stratad', `Renaming a container with the same name as its current name`);
      this.d.store.update(rec.id, (r) => void (r.name = name));
      this.d.events.emit('container', 'rename', rec.id, { image: rec.image, name, oldName: `/${rec.name}` });
    });
  }

  /** A paused container is thawed before it is killed (a frozen cgroup v1 task only dies once thawed). */
  private thaw(lcId: string): void {
    void this.d.lifecycle.tasks.resume({ container_id: lcId }).catch(() => undefined);
  }

  pause(ref: string, paused: boolean): Promise<void> {
    const rec = this.d.store.resolve(ref);
    return this.locked(rec.id, async () => {
      const r = this.d.store.get(rec.id);
      if (!r || (r.state.Status !== 'running' && r.state.Status !== 'paused')) throw conflict('stratad', `container ${rec.id} is not running`);
      if (paused && r.state.Status === 'paused') throw conflict('stratad', `container ${rec.id} is already paused`);
      if (!paused && r.state.Status !== 'paused') throw conflict('stratad', `container ${rec.id} is not paused`);
      const lcId = lifecycleId(rec.id);
      if (paused) await this.d.lifecycle.tasks.pause({ container_id: lcId });
      else await this.d.lifecycle.tasks.resume({ container_id: lcId });
      this.d.store.update(rec.id, (x) => void (x.state = { ...x.state, Status: paused ? 'paused' : 'running' }));
      this.event(r, paused ? 'pause' : 'unpause');
    });
  }

  /**
   * docker update: the limits go to lifecycled's Tasks.Update (the runtime's
   * `update --resources`, which also records them in the container's spec
   * for its later starts) and into HostConfig.
   */
  update(ref: string, body: unknown): Promise<{ Warnings: string[] }> {
    const rec = this.d.store.resolve(ref);
    if (body !== undefined && (typeof body !== 'object' || body === null || Array.isArray(body))) throw invalidArgument('stratad', 'invalid update body: expected a JSON object');
    const b = (body ?? {}) as Record<string, unknown>;
    const num = (k: string): number | undefined => {
      const v = b[k];
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidArgument('stratad', `invalid ${k}: expected an integer`);
      return v;
    };
    const upd = {
      Memory: num('Memory'), MemorySwap: num('MemorySwap'), PidsLimit: num('PidsLimit'), NanoCpus: num('NanoCpus'),
      CpuQuota: num('CpuQuota'), CpuPeriod: num('CpuPeriod'), CpuShares: num('CpuShares'),
    };
    let policy: ContainerRecord['hostConfig']['RestartPolicy'] | undefined;
    if (b.RestartPolicy !== undefined && b.RestartPolicy !== null) {
      policy = parseCreateBody({ Image: 'x', HostConfig: { RestartPolicy: b.RestartPolicy } }).hostConfig.RestartPolicy;
      if (rec.hostConfig.AutoRemove && policy.Name !== 'no') throw invalidArgument('stratad', 'Restart policy cannot be updated because AutoRemove is enabled for the container');
    }
    return this.locked(rec.id, async () => {
      const resources = linuxResources(upd);
      const cur = this.d.store.get(rec.id);
      // The live task first: a refused update (runtime, kernel) changes nothing.
      if (cur && isRunningish(cur.state) && Object.keys(resources).length > 0) {
        try {
          await this.d.lifecycle.tasks.update({ container_id: lifecycleId(rec.id), resources: JSON.stringify(resources) });
        } catch (e) {
          throw failedPrecondition('stratad', `Cannot update container ${rec.id}: ${e instanceof Error ? e.message : String(e)}`);
        }
      }
      const r = this.d.store.update(rec.id, (x) => {
        for (const [k, v] of Object.entries(upd)) if (v !== undefined && v !== 0) x.hostConfig[k] = v;
        if (policy && policy.Name !== '') x.hostConfig.RestartPolicy = policy;
      });
      if (r) this.event(r, 'update');
      return { Warnings: [] };
    });
  }

  async prune(labels: string[]): Promise<{ ContainersDeleted: string[]; SpaceReclaimed: number }> {
    const deleted: string[] = [];
    for (const r of this.d.store.list()) {
      if (isRunningish(r.state) || r.state.Status === 'removing') continue;
      if (!labels.every((l) => matchLabel(r.config.Labels, l))) continue;
      try {
        await this.remove(r.id, false);
        deleted.push(r.id);
      } catch (e) {
        this.d.log(`prune ${r.id}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return { ContainersDeleted: deleted, SpaceReclaimed: 0 };
  }

  // ---- lifecycled events -----------------------------------------------------

  /** One envelope from lifecycled's event stream. */
  handleEnvelope(env: Envelope): void {
    let p: Record<string, unknown>;
    try {
      p = JSON.parse(env.payload) as Record<string, unknown>;
    } catch {
      return;
    }
    const lcId = typeof p.container_id === 'string' ? p.container_id : '';
    if (!lcId) return;
    const rec = this.byLcId(lcId);
    if (!rec) return;
    switch (env.topic) {
      case '/tasks/oom':
        this.oomSeen.add(lcId);
        this.event(rec, 'oom');
        break;
      case '/tasks/exit': {
        const code = typeof p.exit_status === 'number' ? p.exit_status : 0;
        if (typeof p.id === 'string' && p.id !== '' && p.id !== lcId) {
          this.event(rec, 'exec_die', { execID: p.id, exitCode: String(code) });
          break;
        }
        const at = typeof p.exited_at === 'string' && p.exited_at ? p.exited_at : nowNano();
        const pid = typeof p.pid === 'number' ? p.pid : 0;
        // Not under the container's lock: stop/remove hold it while they wait for this exit.
        if (!isRunningish(rec.state) || rec.state.Status === 'restarting') {
          // A fast exit can arrive before start() has recorded the task as running.
          this.earlyExits.set(lcId, { code, at, pid });
          break;
        }
        if (pid && rec.state.Pid && pid !== rec.state.Pid) break; // a previous run's exit
        this.onExit(rec.id, code, at, false);
        break;
      }
      case '/tasks/exec-added':
        this.event(rec, 'exec_create', { execID: String(p.exec_id ?? '') });
        break;
      case '/tasks/exec-started':
        this.event(rec, 'exec_start', { execID: String(p.exec_id ?? '') });
        break;
    }
  }

  private byLcId(lcId: string): ContainerRecord | undefined {
    if (!/^[0-9a-f]{32}$/.test(lcId)) return undefined;
    try {
      return this.d.store.resolve(lcId);
    } catch {
      return undefined;
    }
  }

  /** Record an exit, tell waiters, then restart policy or AutoRemove. Runs under the container's lock. */
  private onExit(id: string, code: number, exitedAt: string, daemonStart: boolean): void {
    const before = this.d.store.get(id);
    if (!before || !isRunningish(before.state) || before.state.Status === 'restarting') return;
    const lcId = lifecycleId(id);
    const oom = this.oomSeen.delete(lcId);
    const rec = this.d.store.update(id, (r) => {
      r.state = { ...r.state, Status: 'exited', Pid: 0, ExitCode: code, OOMKilled: oom, FinishedAt: exitedAt };
    });
    if (!rec) return;
    this.event(rec, 'die', { exitCode: String(code) });
    this.bus.emit(`exit:${id}`, code);
    const ran = Date.parse(exitedAt) - Date.parse(rec.state.StartedAt);
    const decision = daemonStart ? { restart: restartOnDaemonStart(rec), delayMs: 0 } : shouldRestart(rec, code, Number.isFinite(ran) ? ran : 0, this.backoff.get(id) ?? 0);
    if (decision.restart && !this.closed) {
      this.backoff.set(id, decision.delayMs);
      this.scheduleRestart(id, decision.delayMs);
    } else if (rec.hostConfig.AutoRemove) {
      // Outside the lock we hold: removal takes it again.
      setImmediate(() => void backgroundTrace(`auto-remove ${rec.name}`, () => this.remove(id, true)).catch((e: unknown) => this.d.log(`container ${id}: auto-remove: ${String(e)}`)));
    }
  }

  private scheduleRestart(id: string, delayMs: number): void {
    this.d.store.update(id, (r) => void (r.state = { ...r.state, Status: 'restarting' }));
    this.clearRestartTimer(id);
    const timer = setTimeout(() => {
      this.restartTimers.delete(id);
      void backgroundTrace(`restart policy ${this.d.store.get(id)?.name ?? id}`, () => this.locked(id, async () => {
        const r = this.d.store.get(id);
        if (!r || r.state.Status !== 'restarting' || r.manuallyStopped) return;
        this.d.store.update(id, (x) => void (x.restartCount += 1));
        await this.startLocked(id, true);
      })).catch((e: unknown) => this.d.log(`container ${id}: restart: ${e instanceof Error ? e.message : String(e)}`));
    }, delayMs);
    this.restartTimers.set(id, timer);
  }

  private clearRestartTimer(id: string): boolean {
    const t = this.restartTimers.get(id);
    if (t) clearTimeout(t);
    return this.restartTimers.delete(id);
  }

  /**
   * At stratad start: make every record agree with lifecycled's tasks.
   *   task running / paused   -> running / paused, pid from the task
   *   task stopped            -> the exit is recorded (it happened while we were away)
   *   no task, record running -> exited 255 with an error (the task is gone)
   * then restart what the policy says comes back at daemon start, and
   * AutoRemove containers that are down.
   */
  /**
   * Records from before image IDs were config digests hold the manifest
   * digest: look the image up and keep its config digest (Docker's image ID).
   */
  private async recordConfigDigest(rec: ContainerRecord): Promise<void> {
    try {
      const image = await this.d.lifecycle.images.get(rec.imageRef);
      if (image.target.digest !== rec.imageId) return;
      const { digest } = await this.d.lifecycle.images.config(rec.imageRef);
      this.d.store.update(rec.id, (r) => void (r.imageId = digest));
    } catch {
      /* the image is gone: the record keeps what it had */
    }
  }

  async reconcile(): Promise<void> {
    const tasks = new Map<string, ProcessInfo>();
    for (const t of await this.d.lifecycle.tasks.list()) if (!t.id || t.id === t.container_id) tasks.set(t.container_id, t);
    for (const rec of this.d.store.list()) {
      await this.locked(rec.id, async () => {
        const lcId = lifecycleId(rec.id);
        const t = tasks.get(lcId);
        await this.recordConfigDigest(rec);
        if (t && (t.status === 'running' || t.status === 'paused')) {
          this.d.store.update(rec.id, (r) => void (r.state = { ...r.state, Status: t.status === 'paused' ? 'paused' : 'running', Pid: t.pid }));
          return;
        }
        if (isRunningish(rec.state) && rec.state.Status !== 'restarting') {
          if (t && t.status === 'stopped') this.onExit(rec.id, t.exit_status, t.exited_at || nowNano(), true);
          else {
            this.d.store.update(rec.id, (r) => void (r.state = { ...r.state, Status: 'exited', Pid: 0, ExitCode: 255, Error: 'task lost while stratad was down', FinishedAt: nowNano() }));
            const r = this.d.store.get(rec.id);
            if (r && restartOnDaemonStart(r)) this.scheduleRestart(rec.id, 0);
            else if (r?.hostConfig.AutoRemove) setImmediate(() => void this.remove(rec.id, true).catch(() => undefined));
          }
          return;
        }
        const r = this.d.store.get(rec.id);
        if (!r) return;
        if (r.state.Status === 'restarting' || restartOnDaemonStart(r)) {
          if (r.hostConfig.RestartPolicy.Name === 'always') this.d.store.update(rec.id, (x) => void (x.manuallyStopped = false));
          this.scheduleRestart(rec.id, 0);
        } else if (r.hostConfig.AutoRemove && r.hasBeenStarted) setImmediate(() => void this.remove(rec.id, true).catch(() => undefined));
      });
    }
  }
}

export function matchLabel(labels: Record<string, string>, filter: string): boolean {
  const i = filter.indexOf('=');
  if (i < 0) return filter in labels;
  return labels[filter.slice(0, i)] === filter.slice(i + 1);
}

function raceTimeout(p: Promise<unknown>, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const t = setTimeout(() => resolve(false), ms);
    p.then(
      () => {
        clearTimeout(t);
        resolve(true);
      },
      () => {
        clearTimeout(t);
        resolve(false);
      },
    );
  });
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T | undefined> {
  return new Promise((resolve, reject) => {
    const t = setTimeout(() => resolve(undefined), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}
