// The two daemons `strata engine` runs, bottom first: how each starts, where
// its pid file and log live (under the exec root), and how to tell it
// answers. stratad is probed over the Engine API (GET /_ping), lifecycled by
// connecting to its gRPC socket.
import { join } from 'node:path';

import { Client } from '../../client/client.ts';
import { socketAnswers } from '../../../engine/unix-socket.ts';

export interface EngineRoots {
  dataRoot: string;
  execRoot: string;
  /** unix:///path of stratad's socket. */
  host: string;
}

export type LayerName = 'lifecycle' | 'daemon';

export interface Layer {
  name: LayerName;
  /** The binary under bin/ (also how its /proc cmdline is recognized). */
  binary: string;
  args(r: EngineRoots): string[];
  pidFile(r: EngineRoots): string;
  logFile(r: EngineRoots): string;
  /** Where it listens, for status. */
  address(r: EngineRoots): string;
  answers(r: EngineRoots): Promise<boolean>;
}

async function pingAnswers(host: string): Promise<boolean> {
  const c = new Client({ host, version: '1.24' });
  try {
    return (await c.system.ping()).ok;
  } catch {
    return false;
  } finally {
    c.close();
  }
}

export const LIFECYCLE: Layer = {
  name: 'lifecycle',
  binary: 'strata-lifecycled',
  args: (r) => ['--data-root', r.dataRoot, '--exec-root', r.execRoot],
  pidFile: (r) => join(r.execRoot, 'lifecycled.pid'),
  logFile: (r) => join(r.execRoot, 'lifecycled.log'),
  address: (r) => `unix://${join(r.execRoot, 'lifecycled.sock')}`,
  answers: (r) => socketAnswers(join(r.execRoot, 'lifecycled.sock')),
};

export const DAEMON: Layer = {
  name: 'daemon',
  binary: 'stratad',
  args: (r) => ['--data-root', r.dataRoot, '--exec-root', r.execRoot, '-H', r.host],
  pidFile: (r) => join(r.execRoot, 'stratad.pid'),
  logFile: (r) => join(r.execRoot, 'stratad.log'),
  address: (r) => r.host,
  answers: (r) => pingAnswers(r.host),
};

/** Bottom first: the start order (stop goes the other way). */
export const LAYERS: Layer[] = [LIFECYCLE, DAEMON];
