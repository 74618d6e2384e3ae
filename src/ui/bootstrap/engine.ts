// Bring the engine up when none answers: the README's one command on a fresh
// machine. Uses the CLI's engine control (`strata engine start`), so the
// daemons run detached with pid files and outlive the workbench.
import { connect } from 'node:net';

import { Client } from '../../client/client.ts';
import { parseHost } from '../../client/host.ts';
import { startLayer } from '../../cli/engine/control.ts';
import { LAYERS, type EngineRoots } from '../../cli/engine/layers.ts';

export const DEFAULT_DATA_ROOT = '/var/lib/strata';
export const DEFAULT_EXEC_ROOT = '/run/strata';

export async function answers(client: Client): Promise<boolean> {
  try {
    return (await client.system.ping()).ok;
  } catch {
    return false;
  }
}

/**
 * Whether something listens at host: a connect, not an API call, so a daemon
 * busy with a hundred containers does not hold up the first frame. Refused
 * or missing sockets answer at once.
 */
export function listening(host: string): Promise<boolean> {
  return new Promise((resolve) => {
    let ep;
    try {
      ep = parseHost(host);
    } catch {
      resolve(false);
      return;
    }
    const s = ep.kind === 'unix' ? connect(ep.socketPath) : connect(ep.port, ep.host);
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/** Start lifecycled and stratad on these roots; says what it did on `log`. */
export async function startEngine(roots: EngineRoots, log: (line: string) => void): Promise<void> {
  for (const layer of LAYERS) {
    const r = await startLayer(layer, roots);
    log(`${layer.binary}: ${r.started ? 'started' : 'already running'} (pid ${r.pid}) at ${layer.address(roots)}`);
  }
}

/**
 * The engine's roots as stratad reports them (/info: DockerRootDir is the
 * data root, Containerd.Address the lifecycled socket in the exec root).
 */
export async function rootsFromInfo(client: Client, host: string): Promise<EngineRoots | undefined> {
  if (!host.startsWith('unix://')) return undefined;
  try {
    const info = await client.system.info();
    const cd = info.Containerd as { Address?: unknown } | undefined;
    const addr = typeof cd?.Address === 'string' ? cd.Address.replace(/^unix:\/\//, '') : undefined;
    if (!addr || !addr.endsWith('/lifecycled.sock') || typeof info.DockerRootDir !== 'string') return undefined;
    return { dataRoot: info.DockerRootDir, execRoot: addr.slice(0, -'/lifecycled.sock'.length), host };
  } catch {
    return undefined;
  }
}
