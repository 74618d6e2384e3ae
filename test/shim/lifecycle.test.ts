// strata-shim: start-up, exit status, detaching, kill, delete/shutdown and the
// shim's own death, against real busybox containers run by strata-runtime.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { ShimClient } from '../../engine/shim/client.ts';
import { EngineError } from '../../engine/errors.ts';
import { alive, containerCgroupDirs, findLeaks, snapshot } from '../helpers/leaks.ts';
import { runProgram, sleep } from '../helpers/runtime.ts';
import { CGROUP_PREFIX, memoryOf, ppidOf, readLog, RUNTIME, SHIM, shimSuite, until } from './harness.ts';

const RFC3339_NANO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z$/;

describe('strata-shim lifecycle', () => {
  const suite = shimSuite();

  it('runs a container to its exit code, with both streams in the json-file log and the exit file on disk', async () => {
    const c = await suite.launch('exit3', { args: ['sh', '-c', 'echo hello; echo err >&2; exit 3'] });
    expect(c.launched.pid).toBeGreaterThan(0);
    expect(readFileSync(join(c.stateDir, 'shim.pid'), 'utf8').trim()).toBe(String(c.launched.shimPid));
    expect(readFileSync(join(c.stateDir, 'init.pid'), 'utf8').trim()).toBe(String(c.launched.pid));
    expect((await c.client.state()).status).toBe('created');

    expect(await c.client.start()).toBe(c.launched.pid);
    const exit = await c.client.wait();
    expect(exit).toMatchObject({ pid: c.launched.pid, code: 3, signal: 0, oom: false });
    expect(exit.exited_at).toMatch(RFC3339_NANO);

    const records = readLog(c.logPath);
    expect(records.map((r) => [r.stream, r.log])).toEqual([['stdout', 'hello\n'], ['stderr', 'err\n']]);
    for (const r of records) expect(r.time).toMatch(RFC3339_NANO);
    expect(JSON.parse(readFileSync(join(c.stateDir, 'exit'), 'utf8'))).toEqual(exit);

    const state = await c.client.state();
    expect(state).toMatchObject({ status: 'stopped', exit });
    expect(await c.client.delete()).toEqual(exit);
    await c.client.shutdown();
  });

  it('outlives its launcher: the launcher SIGKILLed, the shim still answers and is not its child', async () => {
    const id = suite.id('detach');
    const b = suite.bundle(id, { args: ['sleep', '1000'] });
    const stateDir = join(suite.dir, 'state', id);
    const report = join(suite.dir, `${id}.report`);
    // The launcher: a shell that starts the shim and then lingers, like a daemon would.
    const launcher = spawn('sh', ['-c', `"$0" "$@" > ${report}; exec sleep 1000`, SHIM, '--id', id, '--bundle', b.dir,
      '--state-dir', stateDir, '--runtime', RUNTIME, '--runtime-root', suite.runtimeRoot], { stdio: 'ignore' });
    const exited = new Promise((r) => launcher.once('exit', r));
    let launched: { ok: boolean; shim_pid: number; pid: number; socket: string; error?: string };
    try {
      const text = await until(() => (existsSync(report) ? readFileSync(report, 'utf8') : ''), '\n');
      launched = JSON.parse(text) as typeof launched;
      if (launched.ok) suite.track(launched.shim_pid);
    } finally {
      launcher.kill('SIGKILL'); // also when the launch failed: never leave the launcher behind
      await exited;
    }
    expect(launched.ok, launched.error).toBe(true);

    const client = new ShimClient(launched.socket);
    expect((await client.state()).status).toBe('created');
    expect(ppidOf(launched.shim_pid)).not.toBe(launcher.pid);
    expect(ppidOf(launched.pid)).toBe(launched.shim_pid); // the init is the shim's child (subreaper)
    await client.start();
    await client.shutdown(true);
  });

  it('survives its starter being SIGKILLed before the report', async () => {
    const id = suite.id('early');
    const b = suite.bundle(id, { args: ['sleep', '1000'] });
    const stateDir = join(suite.dir, 'state', id);
    const starter = spawn(SHIM, ['--id', id, '--bundle', b.dir, '--state-dir', stateDir, '--runtime', RUNTIME,
      '--runtime-root', suite.runtimeRoot], { stdio: 'ignore' });
    starter.kill('SIGKILL');
    // The shim either had not forked yet (nothing happens) or goes on alone.
    await sleep(1500);
    if (!existsSync(join(stateDir, 'shim.pid'))) return;
    const shimPid = Number(readFileSync(join(stateDir, 'shim.pid'), 'utf8'));
    suite.track(shimPid);
    const client = new ShimClient(join(stateDir, 'shim.sock'));
    const state = await client.state();
    console.log(`starter killed at once: the shim (pid ${shimPid}) carried on, container ${state.status}`);
    expect(state.status).toBe('created');
    await client.shutdown(true);
  });

  it('reports a signal death as 128+signal', async () => {
    const c = await suite.launch('kill9', { args: ['sleep', '1000'] });
    await c.client.start();
    await c.client.kill(9);
    expect(await c.client.wait()).toMatchObject({ code: 137, signal: 9, oom: false });
    await c.client.delete();
    await c.client.shutdown();
  });

  it('refuses to shut down while the init runs, unless forced', async () => {
    const c = await suite.launch('refuse', { args: ['sleep', '1000'] });
    await c.client.start();
    await expect(c.client.shutdown()).rejects.toMatchObject({ layer: 'shim', errorClass: 'FailedPrecondition' });
    await expect(c.client.delete()).rejects.toThrow(/running/);
    await c.client.shutdown(true);
    expect(alive(c.launched.pid)).toBe(false);
  });

  it('delete then shutdown leaves no runtime state, cgroup or process', async () => {
    const before = snapshot();
    const c = await suite.launch('clean', { args: ['sh', '-c', 'sleep 1000'] });
    await c.client.start();
    expect(containerCgroupDirs(`${CGROUP_PREFIX}/${c.id}`).length).toBeGreaterThan(0);
    await c.client.kill(9); // sh as pid 1 of its namespace ignores SIGTERM
    expect((await c.client.wait()).code).toBe(137);
    await c.client.delete();
    await c.client.shutdown();
    for (let i = 0; i < 40 && alive(c.launched.shimPid); i++) await sleep(25);
    expect(alive(c.launched.shimPid)).toBe(false);
    expect(alive(c.launched.pid)).toBe(false);
    expect(existsSync(join(suite.runtimeRoot, c.id))).toBe(false);
    expect(containerCgroupDirs(`${CGROUP_PREFIX}/${c.id}`)).toEqual([]);
    expect(existsSync(join(c.stateDir, 'shim.sock'))).toBe(false);
    expect(findLeaks(before, [c.id])).toEqual({ mounts: [], cgroupDirs: [], processes: [] });
  });

  it('SIGKILL of the shim re-parents the init (not killed); runtime delete --force cleans up later', async () => {
    const c = await suite.launch('shimdies', { args: ['sleep', '1000'] });
    await c.client.start();
    process.kill(c.launched.shimPid, 'SIGKILL');
    for (let i = 0; i < 40 && alive(c.launched.shimPid); i++) await sleep(25);
    expect(alive(c.launched.shimPid)).toBe(false);
    // The container keeps running, now a child of the next subreaper up (or pid 1).
    expect(alive(c.launched.pid)).toBe(true);
    console.log(`shim SIGKILLed: init ${c.launched.pid} re-parented to ${ppidOf(c.launched.pid)}, still running`);
    await expect(c.client.state()).rejects.toMatchObject({ errorClass: 'Unavailable', layer: 'shim' });
    const r = await runProgram(RUNTIME, ['--root', suite.runtimeRoot, 'delete', '--force', c.id]);
    expect(r.code, r.stderr).toBe(0);
    for (let i = 0; i < 40 && alive(c.launched.pid); i++) await sleep(25);
    expect(alive(c.launched.pid)).toBe(false);
    expect(containerCgroupDirs(`${CGROUP_PREFIX}/${c.id}`)).toEqual([]);
  });

  it('a failing create is reported with the runtime message and leaves nothing behind', async () => {
    const id = suite.id('badcreate');
    const b = suite.bundle(id, { args: ['true'] }, (spec) => {
      spec.root.path = 'no-such-rootfs';
    });
    const stateDir = join(suite.dir, 'state', id);
    const err = await ShimClient.launch({ id, bundle: b.dir, stateDir, runtime: RUNTIME, runtimeRoot: suite.runtimeRoot })
      .then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(EngineError);
    expect((err as EngineError).layer).toBe('runtime');
    expect((err as EngineError).message).toMatch(/^runtime create: .*no-such-rootfs/);
    console.log(`create failure reported as: ${(err as EngineError).message}`);
    expect(existsSync(join(stateDir, 'shim.sock'))).toBe(false);
    expect(existsSync(join(stateDir, 'shim.pid'))).toBe(false);
    expect(existsSync(join(suite.runtimeRoot, id))).toBe(false);
  });

  it('execs a process and reports its exit code', async () => {
    const c = await suite.launch('exec', { args: ['sleep', '1000'] });
    await c.client.start();
    const spec = c.bundle.spec.process;
    await c.client.exec('e1', { ...spec, args: ['sh', '-c', 'echo from-exec; exit 5'] });
    expect((await c.client.state()).execs).toEqual([{ exec_id: 'e1', pid: 0, status: 'created', exit: null }]);
    const attach = c.client.start('e1');
    const pid = await attach;
    expect(pid).toBeGreaterThan(0);
    const exit = await c.client.wait('e1');
    expect(exit).toMatchObject({ pid, code: 5, signal: 0 });
    expect(JSON.parse(readFileSync(join(c.stateDir, 'exec-e1.exit'), 'utf8'))).toEqual(exit);
    expect(await c.client.delete('e1')).toEqual(exit);
    expect(existsSync(join(c.stateDir, 'exec-e1.exit'))).toBe(false);
    await expect(c.client.start('e1')).rejects.toMatchObject({ errorClass: 'NotFound' });
    await c.client.shutdown(true);
  });

  it('lists the container pids', async () => {
    const c = await suite.launch('pids', { args: ['sleep', '1000'] });
    await c.client.start();
    expect(await c.client.pids()).toContain(c.launched.pid);
    await c.client.shutdown(true);
  });

  it('idle memory (printed; the bench measures)', async () => {
    const c = await suite.launch('idle', { args: ['sleep', '1000'] });
    await c.client.start();
    await c.client.state();
    const m = memoryOf(c.launched.shimPid);
    console.log(`idle strata-shim: VmRSS ${m.rssKb} kB, Pss ${m.pssKb} kB (goal < 1024 kB)`);
    expect(m.rssKb).toBeGreaterThan(0);
    await c.client.shutdown(true);
  });
});

describe('strata-shim OOM', () => {
  const suite = shimSuite();

  it('marks an init killed by the OOM killer with oom:true', async () => {
    const id = suite.id('oom');
    const b = suite.bundle(id, { args: ['sh', '-c', 'x=$(head -c 200000000 /dev/zero | tr "\\0" a); echo survived'] }, (spec) => {
      spec.linux.resources = { ...spec.linux.resources, memory: { limit: 32 * 1024 * 1024, swap: 32 * 1024 * 1024 } };
    });
    const launched = await ShimClient.launch({ id, bundle: b.dir, stateDir: `${suite.dir}/state/${id}`, runtime: RUNTIME, runtimeRoot: suite.runtimeRoot });
    suite.track(launched.shimPid);
    const client = new ShimClient(launched.socket);
    await client.start();
    const exit = await client.wait();
    console.log(`OOM container exit: ${JSON.stringify(exit)}`);
    expect(exit.oom).toBe(true);
    await client.shutdown();
  });
});
