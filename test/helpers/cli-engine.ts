// An isolated stratad + strata-lifecycled started the way users do it:
// `strata engine start --data-root --exec-root --host unix://...` on a temp
// dir (both daemons detached, pid files and logs under the exec root).  For
// the CLI and daemon suites (daemon-start.ts, test/daemon/restart.test.ts) and
// the engine bench.  Teardown is the shared one (engine-teardown.ts):
// `docker rm -f` of everything, lifecycled removes the rest, `strata engine
// stop`, then the leak check keyed by this engine's temp dir, exec root and
// the task ids lifecycled made under it.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from '../../engine/install-paths.ts';
import { connect } from '../../engine/lifecycle/client.ts';
import { socketAnswers } from '../../engine/lifecycle/daemon.ts';
import { ContainerTracker, type EngineScope } from './engine-leaks.ts';
import { teardownEngine } from './engine-teardown.ts';
import { isolatedNetwork, type HostNetwork } from './host-network.ts';
import { snapshot } from './leaks.ts';
import { runSync, type SyncResult } from './run.ts';
import { pingUnix } from './socket.ts';

export const DOCKER = '/usr/local/bin/docker';
export const STRATA = join(REPO_ROOT, 'bin', 'strata');

export interface CliEngine {
  dir: string;
  dataRoot: string;
  execRoot: string;
  socket: string;
  /** unix://<socket> */
  host: string;
  /** --data-root --exec-root --host, for `strata engine ...`. */
  flags: string[];
  /** The environment for the docker and strata CLIs (DOCKER_HOST set, no context). */
  env: NodeJS.ProcessEnv;
  scope: EngineScope;
  /** `docker -H <host> ...args`. */
  docker(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): SyncResult;
  /** `strata ...args`. */
  strata(args: string[], opts?: { input?: string | Buffer; timeoutMs?: number }): SyncResult;
  /** The engine's own bridge, nft table and veth names (in <data-root>/network.json). */
  net: HostNetwork;
  /** The tails of the daemons' logs under the exec root. */
  logs(lines?: number): string;
  /** docker rm -f of all, lifecycled removes the rest, strata engine stop, leak check (throws). */
  teardown(): Promise<void>;
}

/** Make the temp roots (prefix like '/tmp/sds-': short, shim sockets live under the exec root). */
export function cliEngineRoots(prefix: string): CliEngine {
  const before = snapshot();
  const dir = mkdtempSync(prefix);
  const execRoot = join(dir, 'exec');
  const dataRoot = join(dir, 'data');
  const socket = join(dir, 'strata.sock');
  mkdirSync(execRoot);
  mkdirSync(dataRoot);
  // `strata engine start` passes no network flags: stratad reads the engine's own names from here.
  const net = isolatedNetwork(dir.slice(-6));
  net.writeConfig(dataRoot);
  const host = `unix://${socket}`;
  const tracker = new ContainerTracker(execRoot).start();
  const scope: EngineScope = { before, markers: [dir], execRoot, tracker };
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_HOST: host };
  delete env.DOCKER_CONTEXT;
  const flags = ['--data-root', dataRoot, '--exec-root', execRoot, '--host', host];

  const logs = (lines = 40) =>
    existsSync(execRoot)
      ? readdirSync(execRoot)
          .filter((f) => f.endsWith('.log'))
          .map((f) => `== ${f}\n${readFileSync(join(execRoot, f), 'utf8').split('\n').slice(-lines).join('\n')}`)
          .join('\n')
      : '';
  const docker: CliEngine['docker'] = (args, opts = {}) => runSync(DOCKER, ['-H', host, ...args], { env, ...opts });
  const strata: CliEngine['strata'] = (args, opts = {}) => runSync(STRATA, args, { env, ...opts });
  const lifecycledSocket = join(execRoot, 'lifecycled.sock');

  return {
    dir, dataRoot, execRoot, socket, host, flags, env, scope, docker, strata, logs, net,
    teardown: async () => {
      let failure: unknown;
      await teardownEngine({
        scope,
        dir,
        output: () => logs(),
        async removeThroughApi() {
          if (!(await pingUnix(socket))) return [];
          const ps = docker(['ps', '-aq', '--no-trunc'], { timeoutMs: 10_000 });
          if (ps.code !== 0) return [`docker ps -aq: exit ${ps.code}: ${ps.stderr}`];
          const ids = ps.stdout.split('\n').filter(Boolean);
          if (ids.length === 0) return [];
          const r = docker(['rm', '-f', ...ids], { timeoutMs: 40_000 });
          return r.code === 0 ? [] : [`docker rm -f: exit ${r.code}: ${r.stderr}`];
        },
        async lifecycled() {
          if (!(await socketAnswers(lifecycledSocket))) return undefined;
          const c = connect(lifecycledSocket);
          await c.version();
          return c;
        },
        async stop() {
          const r = strata(['engine', 'stop', ...flags], { timeoutMs: 60_000 });
          if (r.code !== 0) throw new Error(`strata engine stop: exit ${r.code}: ${r.stderr}`);
          if (await pingUnix(socket)) throw new Error('stratad still answers after strata engine stop');
        },
      }).catch((e: unknown) => (failure = e));
      const veths = await net.cleanup();
      if (failure) throw failure;
      if (veths.length > 0) throw new Error(`veths left behind: ${veths.join(' ')}`);
    },
  };
}

/** cliEngineRoots, then `strata engine start`; torn down again if it does not come up. */
export async function startCliEngine(prefix: string): Promise<CliEngine> {
  const e = cliEngineRoots(prefix);
  const r = e.strata(['engine', 'start', ...e.flags]);
  if (r.code !== 0 || !(await pingUnix(e.socket))) {
    const out = `${r.stderr}${r.stdout}\n${e.logs()}`;
    await e.teardown().catch(() => undefined);
    throw new Error(`strata engine start failed (exit ${r.code}):\n${out}`);
  }
  return e;
}
