// Fakes for the lifecycle core's unit tests: an ImageService whose snapshots
// are plain directories bound onto the rootfs, and a ShimDriver whose "shim"
// is a real sleeping process (so liveness checks work) with an in-memory
// container the test drives (exit codes on demand).  Each fake shim is one
// process leading its own process group, so teardown can check that killing
// it by pid left nothing behind.
import { spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import type { AttachChunk, AttachSession } from '../../engine/lifecycle/api-types.ts';
import type { ImageRecord, ImageRuntimeConfig, ImageService, MountSpec, SnapshotInfo } from '../../engine/lifecycle/images/types.ts';
import type { ExitStatus, ShimConn, ShimDriver, ShimLaunched, ShimLaunchOptions, ShimState } from '../../engine/lifecycle/tasks/shim-types.ts';

export class FakeImages implements ImageService {
  readonly images = new Map<string, ImageRecord>();
  readonly snapshots = new Map<string, SnapshotInfo>();
  constructor(private readonly root: string) {
    mkdirSync(root, { recursive: true });
  }
  add(name: string): void {
    this.images.set(name, { name, target: { mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${'0'.repeat(64)}`, size: 1 }, createdAt: new Date().toISOString(), labels: {} });
  }
  async importRootfs(_tar: string, name: string): Promise<ImageRecord> {
    this.add(name);
    return this.get(name) as ImageRecord;
  }
  async load(): Promise<ImageRecord[]> {
    return [];
  }
  list(): ImageRecord[] {
    return [...this.images.values()];
  }
  get(name: string): ImageRecord | undefined {
    return this.images.get(name);
  }
  async remove(name: string): Promise<void> {
    this.images.delete(name);
  }
  async runtimeConfig(): Promise<ImageRuntimeConfig> {
    return { env: ['PATH=/bin', 'A=1'], entrypoint: [], cmd: ['sh'], workingDir: '/', user: '' };
  }
  async prepareRootfs(_name: string, key: string): Promise<MountSpec[]> {
    mkdirSync(join(this.root, key), { recursive: true });
    writeFileSync(join(this.root, key, 'marker'), key);
    this.snapshots.set(key, { key, parent: '', kind: 'active', createdAt: new Date().toISOString() });
    return this.mounts(key);
  }
  mounts(key: string): MountSpec[] {
    return [{ type: 'bind', source: join(this.root, key), options: ['rbind', 'rw'] }];
  }
  async removeSnapshot(key: string): Promise<void> {
    rmSync(join(this.root, key), { recursive: true, force: true });
    this.snapshots.delete(key);
  }
  listSnapshots(): SnapshotInfo[] {
    return [...this.snapshots.values()];
  }
}

interface FakeProc {
  pid: number;
  status: 'created' | 'running' | 'stopped';
  exit: ExitStatus | null;
  waiters: ((e: ExitStatus) => void)[];
}

/** One fake shim: state on the test's side; a sleeping process stands in for the shim. */
export class FakeShim implements ShimConn {
  readonly init: FakeProc;
  readonly calls: string[] = [];
  constructor(
    readonly id: string,
    readonly shimPid: number,
    readonly stateDir: string,
  ) {
    this.init = { pid: 40000 + Math.floor(Math.random() * 1000), status: 'created', exit: null, waiters: [] };
  }
  exitWith(code: number, oom = false): void {
    const e: ExitStatus = { pid: this.init.pid, code, signal: 0, oom, exited_at: new Date().toISOString() };
    writeFileSync(join(this.stateDir, 'exit'), JSON.stringify(e));
    this.init.status = 'stopped';
    this.init.exit = e;
    for (const w of this.init.waiters.splice(0)) w(e);
  }
  async state(): Promise<ShimState> {
    return { id: this.id, pid: this.init.pid, status: this.init.status, exit: this.init.exit, execs: [] };
  }
  async start(): Promise<number> {
    this.calls.push('start');
    this.init.status = 'running';
    return this.init.pid;
  }
  async exec(): Promise<void> {}
  async kill(signal: number): Promise<void> {
    this.calls.push(`kill ${signal}`);
    setTimeout(() => this.exitWith(128 + signal), 5);
  }
  async resize(): Promise<void> {}
  async closeStdin(): Promise<void> {}
  wait(): Promise<ExitStatus> {
    if (this.init.exit) return Promise.resolve(this.init.exit);
    return new Promise((resolve) => this.init.waiters.push(resolve));
  }
  async pids(): Promise<number[]> {
    return [this.init.pid];
  }
  async attach(): Promise<AttachSession> {
    async function* none(): AsyncGenerator<AttachChunk> {}
    return { output: none(), write: () => undefined, closeStdin: () => undefined, close: () => undefined };
  }
  async delete(): Promise<ExitStatus> {
    this.calls.push('delete');
    if (!this.init.exit) throw new Error('process is running');
    return this.init.exit;
  }
  async pause(): Promise<void> {
    this.calls.push('pause');
  }
  async resume(): Promise<void> {
    this.calls.push('resume');
  }
  async update(): Promise<void> {
    this.calls.push('update');
  }
  async shutdown(): Promise<void> {
    this.calls.push('shutdown');
    try {
      process.kill(this.shimPid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
}

export class FakeShims implements ShimDriver {
  readonly bySocket = new Map<string, FakeShim>();
  /** Every fake shim pid ever started (a test may drop one from bySocket). */
  readonly launched = new Set<number>();
  failLaunch = false;
  async launch(o: ShimLaunchOptions): Promise<ShimLaunched> {
    if (this.failLaunch) throw new Error('runtime create: injected failure');
    // A real process whose command line names the state dir, as a shim's does: one
    // process (sleep with the state dir as argv[0]), so killing the "shim" by pid leaves
    // nothing behind (`sh -c 'sleep 1000'` forked a sleep that outlived the killed sh).
    const child = spawn('sleep', ['1000'], { argv0: o.stateDir, detached: true, stdio: 'ignore' });
    child.unref();
    const pid = child.pid ?? 0;
    if (pid > 0) this.launched.add(pid);
    writeFileSync(join(o.stateDir, 'shim.pid'), String(pid));
    const socket = join(o.stateDir, 'shim.sock');
    this.bySocket.set(socket, new FakeShim(o.id, pid, o.stateDir));
    return { shimPid: pid, pid: (this.bySocket.get(socket) as FakeShim).init.pid, socket };
  }
  connect(socket: string): ShimConn {
    const s = this.bySocket.get(socket);
    if (s) return s;
    // A shim from "before the restart" we know nothing of: unreachable.
    const fail = () => Promise.reject(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }));
    return { state: fail, start: fail, exec: fail, kill: fail, resize: fail, closeStdin: fail, wait: fail, pids: fail, attach: fail, delete: fail, shutdown: fail, pause: fail, resume: fail, update: fail };
  }
  shimFor(id: string): FakeShim {
    for (const s of this.bySocket.values()) if (s.id === id) return s;
    throw new Error(`no fake shim for ${id}`);
  }
}
