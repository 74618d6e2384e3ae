// A private stratad + strata-lifecycled for `npm run bench -- engine`, started
// the way a user does it: `strata engine start` with temp data and exec roots
// and a socket in the temp dir (test/helpers/cli-engine.ts: both daemons
// detached, pid files and logs under the exec root; it returns once the API
// answers), stopped with `strata engine stop`.  The bench removes its
// containers first; the shared teardown removes any it left and reports
// whatever of the engine is still on the host (then removes that too).
import { spawnSync } from 'node:child_process';

import { STRATA, startCliEngine } from '../test/helpers/cli-engine.ts';
import { DOCKER_CLI, type BenchDaemon } from './engine-cli.ts';

export const STRATA_CLI = STRATA;

export async function startStratad(): Promise<BenchDaemon> {
  const e = await startCliEngine('/tmp/sbs-'); // short: shim sockets live under the exec root

  async function stop(): Promise<string[]> {
    try {
      await e.teardown();
      return [];
    } catch (err) {
      return (err as Error).message.split('\n').filter(Boolean);
    }
  }

  const v = spawnSync(DOCKER_CLI, ['-H', e.host, 'version', '--format', '{{.Server.Version}} (API {{.Server.APIVersion}})'], { encoding: 'utf8' });
  return { name: 'stratad', host: e.host, version: `stratad ${(v.stdout ?? '').trim() || '?'}`, dir: e.dir, stop, log: () => e.logs(100) };
}
