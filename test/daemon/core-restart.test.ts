// Restart policies and stratad restarts: on-failure:N counts its retries,
// always restarts until stopped by hand, --rm removes on exit; a stratad
// restart leaves running containers alone (same pid); exits while stratad is
// down are reconciled from lifecycled's tasks when it comes back, and the
// policy decides who returns (always even after a manual stop,
// unless-stopped only when not stopped by hand, no never).
import { describe, expect, it } from 'vitest';

import { lifecycleId } from '../../engine/daemon/containers/manager.ts';
import { until } from '../helpers/engine.ts';
import { stratadSuite, type Stratad } from '../helpers/stratad.ts';

let d: Stratad;
stratadSuite((s) => (d = s));

const state = async (ref: string) => {
  const [c] = JSON.parse(await d.dockerOk(['inspect', ref])) as [{ State: { Status: string; Pid: number; ExitCode: number }; RestartCount: number }];
  return { ...c.State, RestartCount: c.RestartCount };
};

describe('restart policies while stratad runs', () => {
  it('on-failure:2 restarts a failing container twice, then leaves it exited', async () => {
    await d.dockerOk(['run', '-d', '--name', 'of', '--restart', 'on-failure:2', 'busybox', 'sh', '-c', 'exit 1']);
    await until(async () => {
      const s = await state('of');
      return s.Status === 'exited' && s.RestartCount === 2;
    }, 15_000, 'of to be restarted twice');
    await new Promise((r) => setTimeout(r, 1000));
    const s = await state('of');
    expect(s).toMatchObject({ Status: 'exited', ExitCode: 1, RestartCount: 2 });
    await d.dockerOk(['rm', 'of']);
  });

  it('on-failure does not restart a clean exit', async () => {
    await d.dockerOk(['run', '-d', '--name', 'ok0', '--restart', 'on-failure', 'busybox', 'true']);
    await d.dockerOk(['wait', 'ok0']);
    await new Promise((r) => setTimeout(r, 500));
    expect(await state('ok0')).toMatchObject({ Status: 'exited', ExitCode: 0, RestartCount: 0 });
    await d.dockerOk(['rm', 'ok0']);
  });

  it('always restarts after each exit, until docker stop', async () => {
    await d.dockerOk(['run', '-d', '--name', 'al', '--restart', 'always', 'busybox', 'sh', '-c', 'sleep 0.2']);
    await until(async () => (await state('al')).RestartCount >= 2, 15_000, 'al to restart twice');
    await d.dockerOk(['stop', '-t', '1', 'al']);
    const count = (await state('al')).RestartCount;
    await new Promise((r) => setTimeout(r, 1000));
    expect(await state('al')).toMatchObject({ Status: 'exited', RestartCount: count });
    await d.dockerOk(['rm', 'al']);
  });

  it('--rm removes the container when it exits', async () => {
    const id = await d.dockerOk(['run', '-d', '--rm', 'busybox', 'sh', '-c', 'sleep 0.2']);
    await until(async () => (await d.docker(['inspect', id])).code !== 0, 10_000, 'the --rm container to go');
    expect((await d.engine.client().containers.list()).some((c) => c.id === lifecycleId(id))).toBe(false);
  });
});

describe('stratad restarts', () => {
  it('running containers keep running with the same pid', async () => {
    await d.dockerOk(['run', '-d', '--name', 'keep', '--restart', 'unless-stopped', 'busybox', 'sleep', '300']);
    await d.dockerOk(['run', '-d', '--name', 'keep2', 'busybox', 'sleep', '300']);
    const p1 = (await state('keep')).Pid;
    const p2 = (await state('keep2')).Pid;
    await d.restart();
    expect(await state('keep')).toMatchObject({ Status: 'running', Pid: p1, RestartCount: 0 });
    expect(await state('keep2')).toMatchObject({ Status: 'running', Pid: p2 });
    await d.dockerOk(['rm', '-f', 'keep', 'keep2']);
  });

  it('exits while stratad is down are reconciled; the policy decides who comes back', async () => {
    await d.dockerOk(['run', '-d', '--name', 'r-always', '--restart', 'always', 'busybox', 'sleep', '300']);
    await d.dockerOk(['run', '-d', '--name', 'r-unless', '--restart', 'unless-stopped', 'busybox', 'sleep', '300']);
    await d.dockerOk(['run', '-d', '--name', 'r-no', 'busybox', 'sleep', '300']);
    await d.dockerOk(['run', '-d', '--name', 'r-always-stopped', '--restart', 'always', 'busybox', 'sleep', '300']);
    await d.dockerOk(['run', '-d', '--name', 'r-unless-stopped', '--restart', 'unless-stopped', 'busybox', 'sleep', '300']);
    await d.dockerOk(['stop', '-t', '0', 'r-always-stopped', 'r-unless-stopped']);
    const pids = new Map<string, number>();
    for (const n of ['r-always', 'r-unless', 'r-no']) pids.set(n, (await state(n)).Pid);
    const ids = new Map<string, string>();
    for (const n of pids.keys()) ids.set(n, await d.dockerOk(['inspect', '-f', '{{.Id}}', n]));

    await d.stop();
    const lc = d.engine.client();
    for (const id of ids.values()) {
      await lc.tasks.kill({ container_id: lifecycleId(id), signal: 9, all: true });
      await lc.tasks.wait({ container_id: lifecycleId(id) });
    }
    await d.start();

    await until(async () => (await state('r-always')).Status === 'running' && (await state('r-unless')).Status === 'running', 15_000, 'always/unless-stopped containers to come back');
    expect((await state('r-always')).Pid).not.toBe(pids.get('r-always'));
    expect((await state('r-unless')).Pid).not.toBe(pids.get('r-unless'));
    expect(await state('r-no')).toMatchObject({ Status: 'exited', ExitCode: 137 });
    await until(async () => (await state('r-always-stopped')).Status === 'running', 15_000, 'an always container stopped by hand to come back at daemon start');
    expect((await state('r-unless-stopped')).Status).toBe('exited');
    await d.dockerOk(['rm', '-f', 'r-always', 'r-unless', 'r-no', 'r-always-stopped', 'r-unless-stopped']);
  });
});
