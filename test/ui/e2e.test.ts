// The workbench end to end, in a real pty against a real, isolated engine:
// `strata ui` starts the engine itself (nothing answers at its socket) and
// imports busybox from the host's static busybox, then: run a container with
// keys, see its row, request, events, shim and cgroup, exec into it and come
// back, restart stratad and see the container survive, resize to 80x24,
// quit leaving the primary screen clean.
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { cliEngineRoots, type CliEngine } from '../helpers/cli-engine.ts';
import { runCommand } from '../helpers/run.ts';
import { CLI, spawnUi, type PtyApp } from './pty.ts';

const DOCKER = '/usr/local/bin/docker';

describe('strata ui in a pty', () => {
  let e: CliEngine;
  let host = '';
  let roots: string[] = [];
  const started: PtyApp[] = [];
  const open = (args: string[], cols: number, rows: number, env: Record<string, string> = {}): PtyApp => {
    const app = spawnUi(args, cols, rows, env);
    started.push(app);
    return app;
  };
  const docker = (args: string[]) => runCommand(DOCKER, args, { env: { ...e.env, DOCKER_CONFIG: join(e.dir, 'docker-config') } });

  beforeAll(() => {
    // Roots, the engine's own network names and the leak scope; no engine yet:
    // the workbench starts it.  Short paths: shim sockets live under the exec root.
    e = cliEngineRoots('/tmp/sui-');
    host = e.host;
    roots = ['--data-root', e.dataRoot, '--exec-root', e.execRoot];
  });

  afterAll(async () => {
    // Every workbench a test opened, also the ones a failed test left running.
    for (const app of started) {
      app.kill();
      await Promise.race([app.exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    // docker rm -f of all, lifecycled removes the rest, strata engine stop, leak check.
    await e.teardown();
  }, 120_000);

  it('starts the engine, runs a container with keys, shows every layer, execs, survives a daemon restart, resizes, quits clean', async () => {
    const app = open(['ui', '-H', host, ...roots], 120, 40);
    // 1. No engine answered: the workbench started one, drew its first frame, and imported busybox.
    await app.waitFor('containers 0/0 running', 60_000);
    await app.waitFor("imported busybox:latest from the host's /bin/busybox", 60_000);
    expect(app.term.buffer.active.type).toBe('alternate');
    expect(app.lines()[39]?.trim(), 'the frame is one row shorter than the screen').toBe('');
    expect((await docker(['images', '--format', '{{.Repository}}:{{.Tag}}'])).stdout).toContain('busybox:latest');

    // 2. Run a container with the form: r, name field, enter.
    app.write('r');
    await app.waitFor('image:');
    app.write('\t\t');
    app.write('e2e-web');
    await app.waitFor('e2e-web█');
    app.write('\r');
    await app.waitFor(/e2e-web\s+busybox\s+running/);
    expect((await docker(['inspect', '-f', '{{.State.Running}}', 'e2e-web'])).stdout.trim()).toBe('true');

    // 3. Its requests in the requests pane (shown under the containers at this size).
    await app.waitFor(/POST\s+\/containers\/create\?name=e2e-web\s+201/);
    await app.waitFor(/POST\s+\/containers\/[0-9a-f]{12,}.*\s204 /);

    // 4. Its lifecycle events, its shim (parent init, not stratad), its cgroup row.
    app.write('\t\t'); // requests -> events
    await app.waitFor('[lifecycle events]');
    await app.waitFor(/\/tasks\/start\s+[0-9a-f]{12}\s+pid=\d+/);
    app.write('\t');
    await app.waitFor('[shims]');
    await app.waitFor(/e2e-web\s+\d+ init 1\s+\d+/);
    await app.waitFor(/stratad is pid \d+; no shim is its child/);
    app.write('\t');
    await app.waitFor('[cgroups]');
    await app.waitFor(/e2e-web\s+\d+\.\d%/);
    await app.waitFor('CPU% of one core');
    app.write('\t');
    await app.waitFor('[trace]');
    await app.waitFor(/stratad\s+/);
    app.write('\t'); // back to containers

    // 5. Exec into it: the terminal is handed over, we type, we come back, and the next key works.
    app.write('e');
    await app.waitFor('type exit or press ctrl-d to return to the workbench');
    await app.waitFor('/ #');
    expect(app.term.buffer.active.type).toBe('normal');
    app.write('echo ui-$((6*7))\r');
    await app.waitFor('ui-42');
    app.write('exit\r');
    await app.waitFor('back in the workbench (the child exited with 0)');
    expect(app.term.buffer.active.type).toBe('alternate');
    app.write('?');
    await app.waitFor('Container (the one selected in the containers pane)');
    app.write('x');
    await app.waitFor(/e2e-web\s+busybox\s+running/);

    // Inspect (JSON in an overlay) and logs (the terminal handed over to `strata logs -f`, ctrl-c returns).
    app.write('i');
    await app.waitFor(/inspect e2e-web/);
    await app.waitFor('"Running": true');
    app.write('\x1b');
    await app.waitFor(/e2e-web\s+busybox\s+running/);
    app.write('l');
    await app.waitFor('press ctrl-c to return to the workbench');
    await new Promise((r) => setTimeout(r, 500));
    app.write('\x03');
    await app.waitFor(/back in the workbench \(the child exited with \d+\)/);
    expect(app.term.buffer.active.type).toBe('alternate');

    // 6. Restart stratad from the workbench: the panes see it go, reconnect, and the container survived.
    app.write('D');
    await app.waitFor(/stratad went away|stratad: the daemon closed the connection|restarting stratad/, 30_000);
    app.write('\t'); // the requests pane keeps the story: a marker where stratad left and where it came back
    await app.waitFor('[stratad requests]');
    await app.waitFor(/── +stratad went away/, 30_000);
    await app.waitFor(/── +stratad is back after [\d.]+ s: 1 of 1 running containers survived/, 60_000);
    await app.waitFor(/e2e-web\s+busybox\s+running/);
    const frame = app.lines();
    expect(frame[0], 'the header line (a notice, then the title)').toMatch(/strata workbench · |stratad is back/);
    expect(frame[1], 'nothing scrolled the frame (no stray output)').toMatch(/^┌─+┐$/);
    expect((await docker(['inspect', '-f', '{{.State.Running}}', 'e2e-web'])).stdout.trim()).toBe('true');

    // Restart strata-lifecycled too: stratad reports the gap in the events stream; the container stays up.
    app.write('L');
    await app.waitFor(/strata-lifecycled: (stopped|killed), started again \(pid \d+\)/, 60_000);
    expect((await docker(['inspect', '-f', '{{.State.Running}}', 'e2e-web'])).stdout.trim()).toBe('true');

    // 7. Resize to 80x24: redrawn to fit, no stale copy of the frame left behind.
    app.resize(80, 24);
    await app.waitFor(/^┌─+┐$/m);
    await new Promise((r) => setTimeout(r, 700));
    const small = app.lines();
    expect(small).toHaveLength(24);
    expect(small[0], 'the header line: a notice or the title').toMatch(/^(strata workbench|stratad|strata-lifecycled)/);
    expect(small.filter((l) => l.includes('strata workbench')).length, 'no stale copy of the header').toBeLessThanOrEqual(1);
    expect(small[1]).toMatch(/^┌─+┐$/);
    expect(small.filter((l) => l.includes('containers 1/1 running'))).toHaveLength(1);
    expect(small[23]?.trim()).toBe('');
    for (const l of small) expect([...l].length).toBeLessThanOrEqual(80);

    // 8. Quit: exit 0, primary screen back, nothing of the workbench on it.
    app.write('q');
    const end = await app.exited;
    expect(end.exitCode).toBe(0);
    expect(app.term.buffer.active.type).toBe('normal');
    expect(app.screen()).not.toContain('strata workbench ·');
  }, 240_000);

  it('--tour walks down the chain for real: run, each layer, restart, stop (the client error), start', async () => {
    const app = open(['ui', '-H', host, ...roots, '--tour'], 120, 40);
    await app.waitFor('Tour 1/9: strata CLI → stratad');
    await app.waitFor('[stratad requests]');
    app.write(' ');
    await app.waitFor('Tour 2/9: Run a container');
    await app.waitFor(/tour-demo-\w+\s+busybox\s+running/);
    app.write(' ');
    await app.waitFor('Tour 3/9: stratad → strata-lifecycled');
    await app.waitFor('[lifecycle events]');
    app.write(' ');
    await app.waitFor('[shims]');
    await app.waitFor(/tour-demo-\w+\s+\d+ init 1/);
    app.write(' ');
    await app.waitFor('[cgroups]');
    app.write(' ');
    await app.waitFor('[trace]');
    app.write(' ');
    await app.waitFor('Tour 7/9: Restart stratad');
    await app.waitFor(/stratad: stopped, started again \(pid \d+\)/, 60_000);
    app.write(' ');
    await app.waitFor('Tour 8/9: Stop stratad');
    await app.waitFor(/client error: cannot reach the daemon at unix:\/\/\S+ \((ENOENT|ECONNREFUSED)\)/, 60_000);
    // The container kept running with its daemon down: its shim holds it.
    expect((await runCommand('/bin/sh', ['-c', `ps -eo args | grep -c '[s]trata-shim'`])).stdout.trim()).not.toBe('0');
    app.write(' ');
    await app.waitFor(/stratad: started \(pid \d+\)/, 60_000);
    await app.waitFor(/containers 2\/2 running\s+live/, 30_000);
    app.write('\x1b');
    await app.waitFor('r run');
    app.write('q');
    expect((await app.exited).exitCode).toBe(0);
  }, 240_000);

  it('NO_COLOR: no colour escape at all; the default theme colours running rows green', async () => {
    // SGR colour parameters: 30-37, 39, 40-47, 49, 90-97, 100-107, and 38;/48; (256 and true colour).
    const colour = /\x1b\[(?:[0-9;]*;)?(?:3[0-9]|4[0-9]|9[0-7]|10[0-7])(?:;[0-9;]*)?m/;
    const plain = open(['ui', '-H', host, ...roots], 100, 30, { NO_COLOR: '1' });
    await plain.waitFor(/e2e-web\s+busybox\s+running/);
    plain.write('q');
    await plain.exited;
    expect(plain.raw()).not.toMatch(colour);
    const coloured = open(['ui', '-H', host, ...roots], 100, 30);
    await coloured.waitFor(/e2e-web\s+busybox\s+running/);
    coloured.write('q');
    await coloured.exited;
    expect(coloured.raw()).toContain('\x1b[32m');
  }, 60_000);

  it('exits cleanly when the terminal goes away (SIGHUP, as when an SSH session dies)', async () => {
    const app = open(['ui', '-H', host, ...roots], 80, 24);
    await app.waitFor(/containers \d+\/\d+ running/);
    app.pty.kill('SIGHUP');
    const end = await Promise.race([app.exited, new Promise<undefined>((r) => setTimeout(() => r(undefined), 10_000))]);
    expect(end, 'the workbench is gone within 10 s').toBeDefined();
  }, 60_000);
});
