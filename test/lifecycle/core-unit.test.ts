// strata-lifecycled's core without real containers: errors, task states,
// events, default spec, the database, and a daemon in this process (real gRPC,
// real SQLite, real bind mounts) over a fake image side and fake shims:
// create/start/exit/delete with event order, undo on a failed create, and
// recovery after a restart (exit while down, dead shim, half-made tasks).
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Envelope } from '../../engine/lifecycle/api-types.ts';
import { connect, type LifecycleClient } from '../../engine/lifecycle/client.ts';
import { defaultSpec, mergeEnv } from '../../engine/lifecycle/containers/default-spec.ts';
import { startDaemon, type Daemon } from '../../engine/lifecycle/daemon.ts';
import { EventExchange } from '../../engine/lifecycle/events/exchange.ts';
import { openDatabase } from '../../engine/lifecycle/store/db.ts';
import { TaskStore } from '../../engine/lifecycle/store/tasks.ts';
import { isMounted, mountAll } from '../../engine/lifecycle/tasks/mounts.ts';
import { processAlive, waitGone } from '../../engine/lifecycle/tasks/leftovers.ts';
import { assertAllowed } from '../../engine/lifecycle/tasks/states.ts';
import { EngineError, fromGrpcStatus, toGrpcStatus } from '../../engine/errors.ts';
import { processGroupMembers } from '../helpers/leaks.ts';
import { FakeImages, FakeShims } from './core-fakes.ts';

describe('errors', () => {
  it('map to gRPC statuses and back, keeping the layer', () => {
    const s = toGrpcStatus(new EngineError('NotFound', 'lifecycled', 'container x not found'), 'lifecycled');
    expect(s).toEqual({ code: 5, details: 'lifecycled: container x not found' });
    const back = fromGrpcStatus(s.code, s.details);
    expect([back.errorClass, back.layer, back.message]).toEqual(['NotFound', 'lifecycled', 'container x not found']);
  });
  it('keep the class of an error that names it in `code` (the image side)', () => {
    const e = Object.assign(new Error('image busybox in use'), { code: 'FailedPrecondition', layer: 'kernel' });
    expect(toGrpcStatus(e, 'lifecycled')).toEqual({ code: 9, details: 'kernel: image busybox in use' });
    expect(toGrpcStatus(new Error('boom'), 'lifecycled').code).toBe(13);
  });
});

describe('task states', () => {
  it('refuse verbs in plain words', () => {
    expect(() => assertAllowed('start', 'running')).toThrow('cannot start a task that is running');
    expect(() => assertAllowed('delete', 'running')).toThrow('cannot delete a task that is running');
    expect(() => assertAllowed('exec', 'stopped')).toThrow('cannot exec a task that is stopped');
    expect(() => assertAllowed('start', 'created')).not.toThrow();
  });
});

describe('events', () => {
  it('filter by topic prefix and replay history since a time, without gaps or duplicates', async () => {
    const ex = new EventExchange();
    ex.publish('/containers/create', { id: 'a' });
    const t1 = Date.now();
    ex.publish('/tasks/exit', { container_id: 'a', exit_status: 7 });
    const sub = ex.subscribe(['/tasks/'], 0);
    ex.publish('/tasks/delete', { container_id: 'a' });
    ex.publish('/images/create', { name: 'x' });
    const got: Envelope[] = [];
    for await (const env of sub) {
      got.push(env);
      if (got.length === 2) break;
    }
    expect(got.map((e) => e.topic)).toEqual(['/tasks/exit', '/tasks/delete']);
    expect(JSON.parse(got[0]?.payload ?? '{}')).toEqual({ container_id: 'a', exit_status: 7 });
    expect(got[0]?.timestamp).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/);
    const late = ex.subscribe([], t1 + 60_000); // nothing that recent: only live events
    ex.publish('/tasks/start', {});
    for await (const env of late) {
      expect(env.topic).toBe('/tasks/start');
      break;
    }
    expect(ex.subscriberCount).toBe(0);
  });
});

describe('default spec', () => {
  it('is Docker-like and takes args, env and tty', () => {
    const spec = defaultSpec({ id: 'c1', image: { env: ['PATH=/bin', 'A=1'], entrypoint: ['/init'], cmd: ['x'], workingDir: '/w', user: '1000:50' }, args: ['a', 'b'], env: ['A=2'], tty: true, cgroupParent: '/strata' });
    expect(spec.process.args).toEqual(['/init', 'a', 'b']);
    expect(spec.process.env).toEqual(['PATH=/bin', 'A=2', 'TERM=xterm']);
    expect(spec.process.user).toEqual({ uid: 1000, gid: 50 });
    expect(spec.process.terminal).toBe(true);
    expect(spec.process.cwd).toBe('/w');
    expect(spec.linux.namespaces.map((n) => n.type).sort()).toEqual(['ipc', 'mount', 'network', 'pid', 'uts']);
    expect(spec.process.capabilities.bounding).toContain('CAP_NET_BIND_SERVICE');
    expect(spec.process.capabilities.bounding).not.toContain('CAP_SYS_ADMIN');
    expect(spec.linux.maskedPaths).toContain('/proc/kcore');
    expect(spec.linux.readonlyPaths).toContain('/proc/sys');
    expect(spec.linux.cgroupsPath).toBe('/strata/c1');
    expect(spec.mounts.map((m) => m.destination)).toEqual(expect.arrayContaining(['/proc', '/dev', '/dev/pts', '/sys', '/dev/shm', '/dev/mqueue']));
    expect(mergeEnv(['A=1', 'B=2'], ['A=3'])).toEqual(['A=3', 'B=2']);
  });
  it('refuses an image with nothing to run', () => {
    expect(() => defaultSpec({ id: 'c', image: { env: [], entrypoint: [], cmd: [], workingDir: '', user: '' }, cgroupParent: '/s' })).toThrow('no command');
  });
});

describe('database', () => {
  it('is WAL with full sync and keeps task rows', () => {
    const dir = mkdtempSync('/tmp/slc-db-');
    try {
      const db = openDatabase(dir);
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('synchronous', { simple: true })).toBe(2);
      db.prepare("INSERT INTO containers VALUES ('c', 'i', '{}', 'c', 'r', '{}', 'now', 'now')").run();
      const tasks = new TaskStore(db);
      tasks.insert({ container_id: 'c', pid: 1, status: 'creating', exit_status: 0, exited_at: '', shim_pid: 2, shim_socket: 's', state: { terminal: false, stdin: false, bundle: 'b', runtime: 'r', started: false, oom: false, shimDead: false } });
      const row = tasks.get('c');
      expect(row?.status).toBe('creating');
      if (row) tasks.save({ ...row, status: 'stopped', exit_status: 3 });
      db.close();
      expect(new TaskStore(openDatabase(dir)).get('c')).toMatchObject({ status: 'stopped', exit_status: 3, shim_pid: 2 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('daemon over fakes', () => {
  let dir: string;
  let images: FakeImages;
  let shims: FakeShims;
  let daemon: Daemon | undefined;
  let client: LifecycleClient | undefined;
  const logs: string[] = [];

  async function start(): Promise<LifecycleClient> {
    daemon = await startDaemon({
      dataRoot: join(dir, 'data'), execRoot: join(dir, 'exec'), runtime: '/bin/true', shim: '/bin/false',
      images: () => images, shims, log: (m) => logs.push(m),
    });
    client = connect({ execRoot: join(dir, 'exec') });
    await client.waitReady();
    return client;
  }

  async function stop(): Promise<void> {
    client?.close();
    client = undefined;
    await daemon?.stop();
    daemon = undefined;
  }

  async function collect(c: LifecycleClient, n: number, since?: number): Promise<Envelope[]> {
    const out: Envelope[] = [];
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), 5000);
    for await (const e of c.events.subscribe(['/tasks/'], since, ac.signal)) {
      out.push(e);
      if (out.length >= n) break;
    }
    clearTimeout(timer);
    return out;
  }

  beforeEach(() => {
    dir = mkdtempSync('/tmp/slc-u-');
    images = new FakeImages(join(dir, 'snaps'));
    images.add('busybox:latest');
    shims = new FakeShims();
    logs.length = 0;
  });

  afterEach(async () => {
    await stop();
    for (const pid of shims.launched) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      await waitGone(pid, 2000);
    }
    // A fake shim leads its own process group: whatever is still in one outlived its "shim".
    const left = [...shims.launched].flatMap((pid) => processGroupMembers(pid));
    for (const pid of left) process.kill(pid, 'SIGKILL');
    const mounted = readFileSync('/proc/self/mountinfo', 'utf8').includes(dir);
    rmSync(dir, { recursive: true, force: true });
    expect(left, 'processes left behind by the fake shims').toEqual([]);
    expect(mounted, 'a mount under the test dir was left').toBe(false);
  });

  it('runs a task through create, start, exit and delete, with events in order', async () => {
    const c = await start();
    expect((await c.version()).runtime).toBe('/bin/true');
    const ctr = await c.containers.create({ id: 'c1', image: 'busybox:latest', args: ['echo', 'hi'], labels: { a: 'b' } });
    expect(JSON.parse(ctr.spec).process.args).toEqual(['echo', 'hi']);
    expect((await c.containers.update('c1', { x: 'y' })).labels).toEqual({ x: 'y' });
    const events = collect(c, 4);
    const { pid } = await c.tasks.create({ container_id: 'c1' });
    const rootfs = join(dir, 'exec/tasks/c1/rootfs');
    expect(readFileSync(join(rootfs, 'marker'), 'utf8')).toBe('c1');
    expect(JSON.parse(readFileSync(join(dir, 'exec/tasks/c1/config.json'), 'utf8')).root.path).toBe('rootfs');
    await expect(c.tasks.create({ container_id: 'c1' })).rejects.toThrow('already has a task');
    expect((await c.tasks.start({ container_id: 'c1' })).pid).toBe(pid);
    await expect(c.tasks.start({ container_id: 'c1' })).rejects.toThrow('cannot start a task that is running');
    await expect(c.tasks.delete({ container_id: 'c1' })).rejects.toMatchObject({ errorClass: 'FailedPrecondition' });
    await expect(c.containers.delete('c1')).rejects.toThrow('has a task');
    shims.shimFor('c1').exitWith(3);
    expect((await c.tasks.wait({ container_id: 'c1' })).exit_status).toBe(3);
    expect(await c.tasks.get({ container_id: 'c1' })).toMatchObject({ status: 'stopped', exit_status: 3, pid });
    const shimPid = shims.shimFor('c1').shimPid;
    expect((await c.tasks.delete({ container_id: 'c1' })).exit_status).toBe(3);
    expect((await events).map((e) => e.topic)).toEqual(['/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']);
    expect(isMounted(rootfs)).toBe(false);
    expect(existsSync(join(dir, 'exec/tasks/c1'))).toBe(false);
    expect(await waitGone(shimPid, 2000)).toBe(true);
    await c.containers.delete('c1');
    expect(images.snapshots.has('c1')).toBe(false);
    await expect(c.containers.get('c1')).rejects.toMatchObject({ errorClass: 'NotFound', message: 'container c1 not found' });
  });

  it('undoes a failed task create: no row, no mount, no dir', async () => {
    const c = await start();
    await c.containers.create({ id: 'c2', image: 'busybox:latest' });
    shims.failLaunch = true;
    await expect(c.tasks.create({ container_id: 'c2' })).rejects.toThrow('injected failure');
    expect(await c.tasks.list()).toEqual([]);
    expect(existsSync(join(dir, 'exec/tasks/c2'))).toBe(false);
    shims.failLaunch = false;
    await c.tasks.create({ container_id: 'c2' }); // and it can be made again
    await c.tasks.delete({ container_id: 'c2' }); // created: killed, then deleted
  });

  it('reports an exit that happened while it was down, to a subscriber that connects after', async () => {
    let c = await start();
    await c.containers.create({ id: 'c3', image: 'busybox:latest' });
    const { pid } = await c.tasks.create({ container_id: 'c3' });
    await c.tasks.start({ container_id: 'c3' });
    await stop();
    shims.shimFor('c3').exitWith(7);
    c = await start();
    expect(await c.tasks.get({ container_id: 'c3' })).toMatchObject({ status: 'stopped', exit_status: 7, pid });
    const [exit] = await collect(c, 1, 0);
    expect(exit?.topic).toBe('/tasks/exit');
    expect(JSON.parse(exit?.payload ?? '{}')).toMatchObject({ container_id: 'c3', id: 'c3', pid, exit_status: 7 });
    await c.tasks.delete({ container_id: 'c3' });
  });

  it('keeps a running task across a restart and sees its later exit', async () => {
    let c = await start();
    await c.containers.create({ id: 'c4', image: 'busybox:latest' });
    const { pid } = await c.tasks.create({ container_id: 'c4' });
    await c.tasks.start({ container_id: 'c4' });
    await stop();
    c = await start();
    expect(await c.tasks.get({ container_id: 'c4' })).toMatchObject({ status: 'running', pid });
    const events = collect(c, 1);
    await new Promise((r) => setTimeout(r, 50));
    shims.shimFor('c4').exitWith(0);
    expect(JSON.parse((await events)[0]?.payload ?? '{}')).toMatchObject({ container_id: 'c4', exit_status: 0 });
    await c.tasks.delete({ container_id: 'c4' });
  });

  it('reports a dead shim\'s container with its exit file, else 255, and frees it on delete', async () => {
    let c = await start();
    for (const id of ['d1', 'd2']) {
      await c.containers.create({ id, image: 'busybox:latest' });
      await c.tasks.create({ container_id: id });
      await c.tasks.start({ container_id: id });
    }
    await stop();
    const s1 = shims.shimFor('d1');
    const s2 = shims.shimFor('d2');
    s1.exitWith(42); // writes the exit file, then the shim dies
    for (const s of [s1, s2]) {
      process.kill(s.shimPid, 'SIGKILL');
      await waitGone(s.shimPid, 2000);
      shims.bySocket.delete(join(s.stateDir, 'shim.sock'));
    }
    c = await start();
    expect(await c.tasks.get({ container_id: 'd1' })).toMatchObject({ status: 'stopped', exit_status: 42 });
    expect(await c.tasks.get({ container_id: 'd2' })).toMatchObject({ status: 'stopped', exit_status: 255 });
    for (const id of ['d1', 'd2']) {
      await c.tasks.delete({ container_id: id });
      expect(existsSync(join(dir, 'exec/tasks', id))).toBe(false);
    }
  });

  it('cleans half-made tasks and leftover mounts at start, never a healthy one', async () => {
    let c = await start();
    await c.containers.create({ id: 'ok', image: 'busybox:latest' });
    await c.tasks.create({ container_id: 'ok' });
    await c.tasks.start({ container_id: 'ok' });
    await c.containers.create({ id: 'half', image: 'busybox:latest' });
    await stop();
    // A crash mid-create: the row says creating, the rootfs is mounted, a "shim" runs.
    const db = openDatabase(join(dir, 'data'));
    new TaskStore(db).insert({ container_id: 'half', pid: 0, status: 'creating', exit_status: 0, exited_at: '', shim_pid: 0, shim_socket: '', state: { terminal: false, stdin: false, bundle: '', runtime: '/bin/true', started: false, oom: false, shimDead: false } });
    db.close();
    const half = join(dir, 'exec/tasks/half');
    mkdirSync(join(half, 'rootfs'), { recursive: true });
    mkdirSync(join(half, 'shim'));
    await mountAll(images.mounts('half'), join(half, 'rootfs'));
    // A task dir with no row at all, also mounted; and an orphan snapshot.
    const stray = join(dir, 'exec/tasks/stray');
    mkdirSync(join(stray, 'rootfs'), { recursive: true });
    await images.prepareRootfs('busybox:latest', 'stray');
    await mountAll(images.mounts('stray'), join(stray, 'rootfs'));
    writeFileSync(join(stray, 'config.json'), '{}');
    const okShim = shims.shimFor('ok').shimPid;
    c = await start();
    expect(existsSync(half)).toBe(false);
    expect(existsSync(stray)).toBe(false);
    expect(isMounted(join(half, 'rootfs')) || isMounted(join(stray, 'rootfs'))).toBe(false);
    expect(images.snapshots.has('stray')).toBe(false);
    expect(images.snapshots.has('half')).toBe(true); // its container still exists
    expect((await c.tasks.list()).map((t) => [t.container_id, t.status])).toEqual([['ok', 'running']]);
    expect(processAlive(okShim)).toBe(true);
    expect(isMounted(join(dir, 'exec/tasks/ok/rootfs'))).toBe(true);
    await c.tasks.kill({ container_id: 'ok', signal: 9 });
    expect((await c.tasks.wait({ container_id: 'ok' })).exit_status).toBe(137);
    await c.tasks.delete({ container_id: 'ok' });
  });
});
