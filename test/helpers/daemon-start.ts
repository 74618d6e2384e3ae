// An isolated stratad + strata-lifecycled for a test, started the way users
// do (`strata engine start --data-root --exec-root --host unix://...`), with
// busybox:latest imported through `docker import`.  Teardown removes every
// container, stops both daemons and fails on leaked mounts, cgroups or
// processes naming the temp dir.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

import { REPO_ROOT } from '../../engine/install-paths.ts';
import { describeLeaks, unmountUnder } from './engine.ts';
import { makeBusyboxTarball } from './image.ts';
import { findLeaks, forceCleanup, snapshot } from './leaks.ts';

export const DOCKER = '/usr/local/bin/docker';
const STRATA = join(REPO_ROOT, 'bin', 'strata');

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
  /** stdout as bytes (docker save to a pipe). */
  raw: Buffer;
}

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

function ping(socket: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 2_000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

export async function startDaemon(): Promise<Daemon> {
  const before = snapshot();
  const dir = mkdtempSync('/tmp/sds-'); // short: shim sockets live under the exec root
  const execRoot = join(dir, 'exec');
  const dataRoot = join(dir, 'data');
  const socket = join(dir, 'strata.sock');
  mkdirSync(execRoot);
  mkdirSync(dataRoot);
  const flags = ['--data-root', dataRoot, '--exec-root', execRoot, '--host', `unix://${socket}`];
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: `unix://${socket}` };
  delete env.DOCKER_CONTEXT;

  const logs = () =>
    existsSync(execRoot)
      ? readdirSync(execRoot)
          .filter((f) => f.endsWith('.log'))
          .map((f) => `== ${f}\n${readFileSync(join(execRoot, f), 'utf8').split('\n').slice(-40).join('\n')}`)
          .join('\n')
      : '';
  const docker = (args: string[], opts: { input?: string | Buffer; timeoutMs?: number } = {}): RunResult => {
    const r = spawnSync(DOCKER, ['-H', `unix://${socket}`, ...args], { env, input: opts.input ?? '', timeout: opts.timeoutMs ?? 60_000, killSignal: 'SIGKILL', maxBuffer: 256 << 20 });
    return { code: r.status ?? 128, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '', raw: r.stdout ?? Buffer.alloc(0) };
  };
  const dockerOk = (args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): string => {
    const r = docker(args, opts);
    if (r.code !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}\n${logs()}`);
    return r.stdout;
  };

  const teardown = async () => {
    const problems: string[] = [];
    if (await ping(socket)) {
      const ids = docker(['ps', '-aq']).stdout.split('\n').filter(Boolean);
      if (ids.length) {
        const r = docker(['rm', '-f', ...ids], { timeoutMs: 60_000 });
        if (r.code !== 0) problems.push(`docker rm -f: ${r.stderr}`);
      }
    }
    spawnSync(STRATA, ['engine', 'stop', ...flags], { env, timeout: 60_000 });
    const leaks = findLeaks(before, [dir]);
    leaks.mounts = leaks.mounts.filter((m) => m.includes(dir));
    forceCleanup(before, [dir]);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    const text = describeLeaks(leaks);
    if (text) problems.push(`leaked after teardown:\n${text}`);
    if (problems.length) throw new Error(problems.join('\n'));
  };

  const r = spawnSync(STRATA, ['engine', 'start', ...flags], { env, encoding: 'utf8', timeout: 60_000 });
  if (r.status !== 0 || !(await ping(socket))) {
    const out = `${r.stderr}${r.stdout}\n${logs()}`;
    await teardown().catch(() => undefined);
    throw new Error(`strata engine start failed (exit ${r.status}):\n${out}`);
  }
  const d: Daemon = { dir, socket, dataRoot, execRoot, env, docker, dockerOk, logs, teardown };
  try {
    const tarball = makeBusyboxTarball(join(dir, 'busybox.tar'));
    dockerOk(['import', tarball, 'busybox:latest']);
    rmSync(tarball, { force: true });
  } catch (e) {
    await teardown().catch(() => undefined);
    throw e;
  }
  return d;
}
