// strata lc against a real strata-lifecycled: images, run (foreground,
// detached, --rm), tasks ls / exec / pids / metrics, kill, rm, events, and the
// client's own errors (usage, unreachable daemon).
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { engineSuite, parseTaskTable, until, type Engine, type TaskRow } from '../helpers/engine.ts';

let engine: Engine;
const id = (n: string) => `${engine.tag}-${n}`;

/** `tasks ls` as rows of its four columns, keyed by id. */
async function tasks(): Promise<Map<string, TaskRow>> {
  const out = await engine.lcOk(['tasks', 'ls']);
  expect(out.trim().split('\n')[0]?.split(/\s+/)).toEqual(['ID', 'PID', 'STATUS', 'EXIT']);
  return parseTaskTable(out);
}

engineSuite((e) => (engine = e));

describe('strata lc', () => {
  it('lists the imported image', async () => {
    const out = await engine.lcOk(['images', 'ls']);
    const [header, row] = out.trim().split('\n');
    expect(header?.split(/\s+/)).toEqual(['NAME', 'DIGEST', 'SIZE', 'CREATED']);
    expect(row).toMatch(/^busybox:latest\s+sha256:[0-9a-f]{64}\s/);
  });

  it('runs in the foreground: output, and the container\'s exit code', async () => {
    const r = await engine.lc(['run', '--rm', 'busybox:latest', id('fg'), 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(3);
    expect((await tasks()).has(id('fg'))).toBe(false); // --rm
  });

  it('passes -e and our stdin', async () => {
    const r = await engine.lc(['run', '--rm', '-e', 'GREETING=hi there', 'busybox:latest', id('env'), 'sh', '-c', 'echo "$GREETING"; cat'], { input: 'from stdin\n' });
    expect(r.stdout).toBe('hi there\nfrom stdin\n');
    expect(r.code).toBe(0);
  });

  it('runs detached, lists, execs, lists pids, kills and removes', async () => {
    const c = id('bg');
    expect((await engine.lcOk(['run', '-d', 'busybox:latest', c, 'sh', '-c', 'trap "exit 7" USR1; while true; do sleep 1; done'])).trim()).toBe(c);
    const t = (await tasks()).get(c);
    expect(t?.status).toBe('RUNNING');
    expect(t?.exit).toBe('-');
    expect(t && t.pid > 0).toBe(true);

    const exec = await engine.lc(['tasks', 'exec', '--exec-id', 'e1', c, 'sh', '-c', 'echo in-container; exit 4']);
    expect(exec.stdout).toBe('in-container\n');
    expect(exec.code).toBe(4);

    const pids = (await engine.lcOk(['tasks', 'pids', c])).trim().split('\n');
    expect(pids[0]).toBe('PID');
    expect(pids.slice(1).map(Number)).toContain(t?.pid);

    const metrics = JSON.parse(await engine.lcOk(['tasks', 'metrics', c])) as { pids_current?: number };
    expect(metrics.pids_current).toBeGreaterThan(0);

    // Not while it runs...
    const refused = await engine.lc(['rm', c]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^strata lc: \w+: .*running/);

    await engine.lcOk(['kill', c, 'USR1']);
    await until(async () => (await tasks()).get(c)?.status === 'STOPPED', 10_000, `${c} to stop`);
    expect((await tasks()).get(c)?.exit).toBe('7');
    expect((await engine.lcOk(['rm', c])).trim()).toBe(c);
    expect((await tasks()).has(c)).toBe(false);
  });

  it('kill -s takes names and numbers; rm -f kills first', async () => {
    const c = id('kill');
    await engine.lcOk(['run', '-d', 'busybox:latest', c, 'sleep', '1000']);
    const bad = await engine.lc(['kill', '-s', 'NOPE', c]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/unknown signal "NOPE"/);
    await engine.lcOk(['kill', '-s', '9', c]);
    await until(async () => (await tasks()).get(c)?.status === 'STOPPED', 10_000, `${c} to stop`);
    expect((await tasks()).get(c)?.exit).toBe('137');
    await engine.lcOk(['rm', c]);

    const d = id('force');
    await engine.lcOk(['run', '-d', 'busybox:latest', d, 'sleep', '1000']);
    await engine.lcOk(['rm', '-f', d]);
    expect((await tasks()).has(d)).toBe(false);
  });

  it('prints events, one line each: time, topic, payload', async () => {
    const since = Date.now();
    const c = id('ev');
    await engine.lcOk(['run', '--rm', 'busybox:latest', c, 'true']);
    const ev = await engine.lc(['events', '--since', String(since / 1000)], { timeoutMs: 1_500 });
    const lines = ev.stdout.trim().split('\n').filter((l) => l.includes(c));
    const topics = lines.map((l) => l.split(' ')[1]);
    expect(topics).toEqual(expect.arrayContaining(['/containers/create', '/tasks/create', '/tasks/start', '/tasks/exit', '/tasks/delete']));
    const exit = lines.find((l) => l.split(' ')[1] === '/tasks/exit') ?? '';
    expect(exit).toMatch(/^\d{4}-\d\d-\d\dT\S+Z \/tasks\/exit \{.*\}$/);
    expect(JSON.parse(exit.slice(exit.indexOf('{')))).toMatchObject({ container_id: c, exit_status: 0 });
  });

  it('names the layer that refused', async () => {
    const r = await engine.lc(['run', 'no-such-image:1', id('noimg'), 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^strata lc: (lifecycled|images): .*no-such-image/);
  });

  it('says so when the daemon is not there, and exits 2 on usage errors', async () => {
    const dir = mkdtempSync('/tmp/slc-none-');
    try {
      const r = await engine.lc(['--exec-root', dir, 'tasks', 'ls']);
      expect(r.code).toBe(1);
      expect(r.stderr).toBe(`strata lc: cannot connect to strata-lifecycled at unix://${join(dir, 'lifecycled.sock')}: is it running?\n`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect((await engine.lc(['frobnicate'])).code).toBe(2);
    expect((await engine.lc(['run', 'busybox:latest'])).code).toBe(2);
    expect((await engine.lc(['tasks', 'exec', id('x'), 'true'])).stderr).toMatch(/--exec-id/);
  });
});

describe('strata', () => {
  it('has a verb table: --version, and usage with exit 2 for an unknown verb', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = join(import.meta.dirname, '..', '..', 'bin', 'strata');
    const v = spawnSync(bin, ['--version'], { encoding: 'utf8' });
    expect(v.status).toBe(0);
    expect(v.stdout).toMatch(/^strata \d+\.\d+\.\d+\n$/);
    const u = spawnSync(bin, ['frobnicate'], { encoding: 'utf8' });
    expect(u.status).toBe(2);
    expect(u.stderr).toMatch(/unknown verb "frobnicate"[\s\S]*usage: strata/);
  });
});
