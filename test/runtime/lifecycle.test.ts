// The container lifecycle for each runtime under test: created -> running ->
// stopped -> deleted as `state` reports it, what delete leaves behind, and the
// errors of commands given in the wrong state (runc's phrases: callers such as
// containerd and Docker match on them).
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { alive, containerCgroupDirs, hostMounts, markedProcesses } from '../helpers/leaks.ts';
import { RUNTIMES, runtimeSuite, type CmdResult, type Suite } from '../helpers/runtime.ts';

/** Waits for /tmp/go to appear in its rootfs, so the test decides when it stops. */
const WAIT_FOR_GO = ['sh', '-c', 'while [ ! -e /tmp/go ]; do sleep 0.05; done'];

/** After delete: no state, no cgroup dir, no mount of the bundle, no process. */
function expectNothingLeft(s: Suite, id: string, bundleDir: string, pid: number): void {
  expect(existsSync(join(s.rt.root, id)), 'state dir under --root').toBe(false);
  expect(containerCgroupDirs(s.cgroupsPath(id)), 'cgroup dirs').toEqual([]);
  expect(hostMounts().filter((m) => m.mountPoint.startsWith(bundleDir)).map((m) => m.mountPoint), 'mounts').toEqual([]);
  expect(alive(pid), `init pid ${pid}`).toBe(false);
  expect(markedProcesses([id]).map((p) => `${p.pid} ${p.cmdline}`), 'processes').toEqual([]);
}

async function startSleeper(s: Suite, label: string): Promise<{ id: string; dir: string; pid: number }> {
  const id = s.id(label);
  const b = s.bundle(id, { args: ['sleep', '1000'] });
  const c = await s.rt.create(id, b.dir);
  expect(c.code, c.stderr).toBe(0);
  const st = await s.rt.start(id);
  expect(st.code, st.stderr).toBe(0);
  const state = await s.rt.waitStatus(id, 'running');
  return { id, dir: b.dir, pid: state.pid };
}

async function expectFails(r: Promise<CmdResult>, message: RegExp): Promise<void> {
  const res = await r;
  expect(res.code, res.stdout).not.toBe(0);
  expect(res.stderr).toMatch(message);
}

describe.each(RUNTIMES)('$name: lifecycle', (under) => {
  const s = runtimeSuite(under);

  describe('states', () => {
    it('goes created -> running -> stopped -> deleted with the right pid', async () => {
      const id = s.id('life');
      const b = s.bundle(id, { args: WAIT_FOR_GO });
      const pidFile = join(s.dir, `${id}.pid`);
      const c = await s.rt.create(id, b.dir, { pidFile });
      expect(c.code, c.stderr).toBe(0);

      const created = await s.rt.stateJson(id);
      expect(created).toMatchObject({ id, status: 'created', bundle: b.dir });
      expect(created.pid).toBeGreaterThan(0);
      expect(alive(created.pid)).toBe(true);
      expect(readFileSync(pidFile, 'utf8').trim()).toBe(String(created.pid));
      // The init is already in the container's cgroup in every hierarchy.
      const dirs = containerCgroupDirs(s.cgroupsPath(id));
      expect(dirs.length).toBeGreaterThan(0);
      for (const d of dirs) expect(readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n'), d).toContain(String(created.pid));

      const st = await s.rt.start(id);
      expect(st.code, st.stderr).toBe(0);
      const running = await s.rt.stateJson(id);
      expect(running).toMatchObject({ id, status: 'running', pid: created.pid });

      writeFileSync(join(b.rootfs, 'tmp/go'), '');
      const stopped = await s.rt.waitStatus(id, 'stopped');
      expect(stopped.pid).toBe(0);

      const d = await s.rt.delete(id);
      expect(d.code, d.stderr).toBe(0);
      const gone = await s.rt.state(id);
      expect(gone.code).not.toBe(0);
      expect(gone.stderr).toMatch(/does not exist/);
      expectNothingLeft(s, id, b.dir, created.pid);
    });

    it('delete --force of a running container kills it and leaves nothing', async () => {
      const c = await startSleeper(s, 'force');
      expect(alive(c.pid)).toBe(true);
      const d = await s.rt.delete(c.id, { force: true });
      expect(d.code, d.stderr).toBe(0);
      expect((await s.rt.state(c.id)).stderr).toMatch(/does not exist/);
      expectNothingLeft(s, c.id, c.dir, c.pid);
    });
  });

  describe('errors in the wrong state', () => {
    it('start of a running container fails', async () => {
      const c = await startSleeper(s, 'restart');
      await expectFails(s.rt.start(c.id), /cannot start an already running container/);
      expect((await s.rt.stateJson(c.id)).status).toBe('running');
    });

    it('kill of a stopped container says "container not running"', async () => {
      const id = s.id('killstopped');
      const b = s.bundle(id, { args: ['true'] });
      expect((await s.rt.create(id, b.dir)).code).toBe(0);
      expect((await s.rt.start(id)).code).toBe(0);
      await s.rt.waitStatus(id, 'stopped');
      await expectFails(s.rt.kill(id, 'KILL'), /container not running/);
    });

    it('state of an unknown id says "does not exist"', async () => {
      await expectFails(s.rt.state(s.id('unknown')), /does not exist/);
    });

    it('create with an existing id fails and leaves the first container alone', async () => {
      const id = s.id('dup');
      const b = s.bundle(id, { args: ['sleep', '1000'] });
      expect((await s.rt.create(id, b.dir)).code).toBe(0);
      const first = await s.rt.stateJson(id);
      await expectFails(s.rt.create(id, b.dir), /already exists/);
      const after = await s.rt.stateJson(id);
      expect(after).toMatchObject({ status: 'created', pid: first.pid });
      expect(alive(first.pid)).toBe(true);
    });

    it('delete of a running container without --force fails', async () => {
      const c = await startSleeper(s, 'delrunning');
      await expectFails(s.rt.delete(c.id), /not stopped/);
      expect((await s.rt.stateJson(c.id)).status).toBe('running');
      expect(alive(c.pid)).toBe(true);
    });
  });
});
