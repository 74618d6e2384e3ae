// SIGKILL of one container's shim: the daemon notices, reports the
// container's end (stopped, with 255 as containerd does for a dead shim, or the
// real status), and `strata lc rm` then frees everything it had: no cgroup,
// no mount, no process.  The neighbour container is not touched.
import { expect, it } from 'vitest';

import { alive, engineSuite, mountsUnder, shimOf, until, type Engine } from '../helpers/engine.ts';
import { cgroupDirs, markedProcesses } from '../helpers/leaks.ts';

let engine: Engine;

engineSuite((e) => (engine = e));

it('reports the end of a container whose shim was killed, and frees it on rm', async () => {
  const victim = `${engine.tag}-victim`;
  const other = `${engine.tag}-other`;
  for (const id of [victim, other]) await engine.lcOk(['run', '-d', 'busybox:latest', id, 'sleep', '100000']);
  const c = engine.client();
  const initPid = (await c.tasks.get({ container_id: victim })).pid;
  const otherPid = (await c.tasks.get({ container_id: other })).pid;
  const shim = shimOf(engine, victim);
  expect(shim, 'the victim has a shim process').toBeGreaterThan(0);

  process.kill(shim as number, 'SIGKILL');
  await until(async () => (await c.tasks.get({ container_id: victim })).status === 'stopped', 15_000, 'the task to be reported stopped');
  const task = await c.tasks.get({ container_id: victim });
  expect([255, 137]).toContain(task.exit_status);
  expect(task.exited_at).not.toBe('');
  const ls = (await engine.lcOk(['tasks', 'ls'])).split('\n').find((l) => l.startsWith(`${victim} `)) ?? '';
  expect(ls.split(/\s+/).slice(2)).toEqual(['STOPPED', String(task.exit_status)]);

  await engine.lcOk(['rm', victim]);
  await until(() => !alive(initPid), 5_000, 'the victim init to be gone');
  expect([...cgroupDirs()].filter((d) => d.includes(victim))).toEqual([]);
  expect(mountsUnder(engine).filter((m) => m.includes(victim))).toEqual([]);
  expect(markedProcesses([victim]).map((p) => `${p.pid} ${p.cmdline}`)).toEqual([]);
  expect((await c.containers.list()).map((x) => x.id)).not.toContain(victim);

  // The neighbour runs on with its shim.
  expect(alive(otherPid)).toBe(true);
  expect((await c.tasks.get({ container_id: other })).status).toBe('running');
  expect(shimOf(engine, other)).toBeGreaterThan(0);
}, 60_000);
