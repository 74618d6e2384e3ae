// The workbench against a real dockerd (Debian's docker.io, a private one:
// its own roots and socket, started by the bench's helper): the Engine API
// panes work (a container run through dockerd shows with its state), the
// panes that need strata's own streams say so, nothing crashes. Skipped when
// dockerd is not installed (BENCH_INSTALL_DOCKER=1 npm run bench -- engine
// installs it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { DOCKERD, startDockerd } from '../../bench/engine-dockerd.ts';
import type { BenchDaemon } from '../../bench/engine-cli.ts';
import { makeBusyboxTarball } from '../helpers/image.ts';
import { runCommand } from '../helpers/engine.ts';
import { spawnUi, type PtyApp } from './pty.ts';

const DOCKER = '/usr/local/bin/docker';

// In CI dockerd is a prerequisite (.ci/setup installs docker.io): absent, the suite fails.
describe.skipIf(!existsSync(DOCKERD) && !process.env.CI)('strata ui against a real dockerd', () => {
  let d: BenchDaemon | undefined;
  const apps: PtyApp[] = [];
  const docker = (args: string[]) => runCommand(DOCKER, args, { env: { ...process.env, DOCKER_HOST: d!.host, DOCKER_CONFIG: join(d!.dir, 'docker-config') }, timeoutMs: 60_000 });

  beforeAll(async () => {
    d = await startDockerd();
    const tar = makeBusyboxTarball(join(d.dir, 'busybox.tar'));
    const r = await docker(['import', tar, 'busybox:latest']);
    if (r.code !== 0) throw new Error(`docker import: ${r.stderr}`);
  }, 180_000);

  afterAll(async () => {
    for (const a of apps) {
      a.kill();
      await Promise.race([a.exited, new Promise((r) => setTimeout(r, 5000))]);
    }
    if (d) {
      const ids = (await docker(['ps', '-aq'])).stdout.split('\n').filter(Boolean);
      if (ids.length) await docker(['rm', '-f', ...ids]);
      await d.stop();
    }
  }, 180_000);

  it('shows containers from the Engine API and says which panes need strata', async () => {
    const run = await docker(['run', '-d', '--name', 'on-dockerd', 'busybox', 'sleep', '3600']);
    expect(run.code, run.stderr).toBe(0);
    const app = spawnUi(['ui', '-H', d!.host], 120, 40);
    apps.push(app);
    await app.waitFor(/on-dockerd\s+busybox(:latest)?\s+running/, 30_000);
    await app.waitFor(/dockerd \S+ \(no strata streams\)/);
    await app.waitFor('the request log needs strata: 404 from /strata/requests');
    app.write('\t\t\t'); // requests -> events -> shims
    await app.waitFor('[shims]');
    await app.waitFor('the shim list needs strata: 404 from /strata/shims');
    app.write('\t');
    await app.waitFor('cgroup usage needs strata: 404 from /strata/stats');
    app.write('q');
    expect((await app.exited).exitCode).toBe(0);
  }, 120_000);
});
