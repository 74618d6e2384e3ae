// An isolated stratad + strata-lifecycled for a test, started the way users
// do (`strata engine start --data-root --exec-root --host unix://...`, see
// cli-engine.ts), with busybox:latest imported through `docker import`.
// Teardown removes every container (docker rm -f, then lifecycled), stops
// both daemons and fails on leaked mounts, cgroups or processes of this
// engine (its temp dir, or the containers it made: see engine-leaks.ts).
import { rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll } from 'vitest';

import { DOCKER, startCliEngine } from './cli-engine.ts';
import { makeBusyboxTarball } from './image.ts';
import type { SyncResult } from './run.ts';

export { DOCKER };

export type RunResult = SyncResult;

export interface Daemon {
  dir: string;
  socket: string;
  dataRoot: string;
  execRoot: string;
  env: NodeJS.ProcessEnv;
  /** `docker -H unix://<socket> ...args`. */
  docker(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): RunResult;
  /** docker, failing with its output unless it exits 0; returns stdout. */
  dockerOk(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): string;
  logs(): string;
  teardown(): Promise<void>;
}

export async function startDaemon(): Promise<Daemon> {
  const e = await startCliEngine('/tmp/sds-');
  const logs = () => e.logs();
  const dockerOk = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): string => {
    const r = e.docker(args, opts);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}\n${logs()}`);
    return r.stdout;
  };
  const d: Daemon = { dir: e.dir, socket: e.socket, dataRoot: e.dataRoot, execRoot: e.execRoot, env: e.env, docker: e.docker, dockerOk, logs, teardown: e.teardown };
  try {
    const tarball = makeBusyboxTarball(join(e.dir, 'busybox.tar'));
    dockerOk(['import', tarball, 'busybox:latest']);
    rmSync(tarball, { force: true });
  } catch (err) {
    await e.teardown().catch(() => undefined);
    throw err;
  }
  return d;
}

/** Before all tests: startDaemon, handed to `use`; after all: its teardown (fails the suite on leaks). */
export function daemonSuite(use: (d: Daemon) => void): void {
  let daemon: Daemon | undefined;
  beforeAll(async () => {
    daemon = await startDaemon();
    use(daemon);
  }, 120_000);
  afterAll(async () => {
    await daemon?.teardown();
  }, 120_000);
}
