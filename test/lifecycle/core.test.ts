// strata-lifecycled's core with real containers (strata-shim + strata-runtime):
// a run to an exit code, exec/pids/attach/metrics, the daemon SIGKILLed while a
// container runs (the task survives with its pid; its later exit is reported),
// an exit while the daemon is down (reported with its real code, also to a
// subscriber connecting after the restart), and a SIGKILLed shim.  Each test
// starts its own daemon on temp roots; teardown checks nothing leaked.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import type { Envelope } from '../../engine/lifecycle/api-types.ts';
import { makeBusyboxTarball } from '../helpers/image.ts';
import { alive, startEngine, until, type Client, type Engine } from '../helpers/engine.ts';

let engine: Engine;

async function importImage(c: Client): Promise<void> {
  const tar = makeBusyboxTarball(join(engine.dir, 'busybox.tar'));
  await c.images.import(tar, 'busybox');
}

/** A container that waits for /tmp/go in its rootfs, then exits with `code`. */
const waitForGo = (code: number) => ['sh', '-c', `echo started; while [ ! -e /tmp/go ]; do sleep 0.05; done; echo going; exit ${code}`];

function release(id: string): void {
  writeFileSync(join(engine.execRoot, 'tasks', id, 'rootfs', 'tmp', 'go'), '');
}

async function firstEvent(c: Client, topic: string, match: (p: Record<string, unknown>) => boolean, since?: number): Promise<Envelope> {
  const ac = new AbortController();
  const timer = setTimeout(() => ac.abort(), 15_000);
  try {
    for await (const e of c.events.subscribe([topic], since, ac.signal)) {
      if (match(JSON.parse(e.payload) as Record<string, unknown>)) return e;
    }
    throw new Error(`no ${topic} event`);
  } finally {
    clearTimeout(timer);
  }
}

describe('lifecycle core with real containers', () => {
  beforeEach(async () => {
    engine = await startEngine();
    await importImage(engine.client());
  });
  afterEach(async () => {
    await engine.teardown();
  });

  it('runs a container to exit code 3 and logs its output', async () => {
    const c = engine.client();
    const id = `${engine.tag}-three`;
    await c.containers.create({ id, image: 'busybox', args: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    const exit = firstEvent(c, '/tasks/exit', (p) => p.container_id === id);
    const { pid } = await c.tasks.create({ container_id: id });
    expect(pid).toBeGreaterThan(0);
    await c.tasks.start({ container_id: id });
    const w = await c.tasks.wait({ container_id: id });
    expect(w.exit_status).toBe(3);
    expect(JSON.parse((await exit).payload)).toMatchObject({ container_id: id, pid, exit_status: 3 });
    expect(await c.tasks.get({ container_id: id })).toMatchObject({ status: 'stopped', exit_status: 3 });
    const log = readFileSync(join(engine.dataRoot, 'containers', id, `${id}-json.log`), 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { log: string; stream: string });
    expect(log).toEqual(expect.arrayContaining([expect.objectContaining({ log: 'out\n', stream: 'stdout' }), expect.objectContaining({ log: 'err\n', stream: 'stderr' })]));
    expect((await c.tasks.delete({ container_id: id })).exit_status).toBe(3);
    expect(existsSync(join(engine.execRoot, 'tasks', id))).toBe(false);
    await c.containers.delete(id);
  });

  it('execs, lists pids, attaches and reads metrics', async () => {
    const c = engine.client();
    const id = `${engine.tag}-exec`;
    await c.containers.create({ id, image: 'busybox', args: ['sh', '-c', 'while true; do echo tick; sleep 0.1; done'] });
    const { pid } = await c.tasks.create({ container_id: id });
    await c.tasks.start({ container_id: id });
    expect(await c.tasks.pids({ container_id: id })).toContain(pid);
    const m = await c.tasks.metrics({ container_id: id });
    expect(m.pids_current).toBeGreaterThanOrEqual(1);
    expect(m.memory_usage).toBeGreaterThan(0);
    const session = await c.tasks.attach({ container_id: id, stdout: true, stderr: true });
    let seen = '';
    for await (const chunk of session.output) {
      seen += chunk.data.toString();
      if (seen.includes('tick')) break;
    }
    session.close();
    expect(seen).toContain('tick');
    const spec = JSON.parse((await c.containers.get(id)).spec) as { process: object };
    await c.tasks.exec({ container_id: id, exec_id: 'e1', spec: JSON.stringify({ ...spec.process, args: ['sh', '-c', 'exit 9'], terminal: false }) });
    await c.tasks.start({ container_id: id, exec_id: 'e1' });
    expect((await c.tasks.wait({ container_id: id, exec_id: 'e1' })).exit_status).toBe(9);
    await c.tasks.delete({ container_id: id, exec_id: 'e1' });
    await expect(c.tasks.start({ container_id: id })).rejects.toThrow('cannot start a task that is running');
    await c.tasks.kill({ container_id: id, signal: 9 });
    expect((await c.tasks.wait({ container_id: id })).exit_status).toBe(137);
    await c.tasks.delete({ container_id: id });
    await c.containers.delete(id);
  });

  it('keeps a running container across kill -9 of the daemon and reports its later exit', async () => {
    let c = engine.client();
    const id = `${engine.tag}-live`;
    await c.containers.create({ id, image: 'busybox', args: waitForGo(5) });
    const { pid } = await c.tasks.create({ container_id: id });
    await c.tasks.start({ container_id: id });
    await engine.kill9();
    expect(alive(pid)).toBe(true);
    await engine.restart();
    c = engine.client();
    expect(await c.tasks.get({ container_id: id })).toMatchObject({ status: 'running', pid });
    const exit = firstEvent(c, '/tasks/exit', (p) => p.container_id === id);
    await new Promise((r) => setTimeout(r, 100));
    release(id);
    expect(JSON.parse((await exit).payload)).toMatchObject({ container_id: id, pid, exit_status: 5 });
    await c.tasks.delete({ container_id: id });
  });

  it('reports an exit that happened while the daemon was down with its real code', async () => {
    let c = engine.client();
    const id = `${engine.tag}-down`;
    await c.containers.create({ id, image: 'busybox', args: waitForGo(7) });
    const { pid } = await c.tasks.create({ container_id: id });
    await c.tasks.start({ container_id: id });
    await engine.kill9();
    release(id);
    await until(() => existsSync(join(engine.execRoot, 'tasks', id, 'shim', 'exit')), 10_000, 'the shim to record the exit');
    await engine.restart();
    c = engine.client();
    expect(await c.tasks.get({ container_id: id })).toMatchObject({ status: 'stopped', exit_status: 7, pid });
    const e = await firstEvent(c, '/tasks/exit', (p) => p.container_id === id, 0);
    expect(JSON.parse(e.payload)).toMatchObject({ container_id: id, id, pid, exit_status: 7 });
    expect((await c.tasks.delete({ container_id: id })).exit_status).toBe(7);
  });

  it('reports the end of a container whose shim was SIGKILLed and frees it on delete', async () => {
    const c = engine.client();
    const id = `${engine.tag}-shim`;
    await c.containers.create({ id, image: 'busybox', args: ['sleep', '1000'] });
    const { pid } = await c.tasks.create({ container_id: id });
    await c.tasks.start({ container_id: id });
    const shimPid = Number(readFileSync(join(engine.execRoot, 'tasks', id, 'shim', 'shim.pid'), 'utf8'));
    const exit = firstEvent(c, '/tasks/exit', (p) => p.container_id === id);
    await new Promise((r) => setTimeout(r, 100));
    process.kill(shimPid, 'SIGKILL');
    expect(JSON.parse((await exit).payload)).toMatchObject({ container_id: id, exit_status: 255 });
    await until(() => !alive(pid), 10_000, 'the container to be gone');
    await c.tasks.delete({ container_id: id });
    expect(existsSync(join(engine.execRoot, 'tasks', id))).toBe(false);
  });
});
