// Restart one engine layer from the workbench through the CLI's engine
// control (the same functions as `strata engine restart daemon|lifecycle`).
// Only an engine started by `strata engine` has the pid files this needs.
import { existsSync } from 'node:fs';

import type { Client } from '../../client/client.ts';
import { startLayer, stopLayer } from '../../cli/engine/control.ts';
import { DAEMON, LIFECYCLE, type EngineRoots, type Layer } from '../../cli/engine/layers.ts';

export function layerFor(which: 'daemon' | 'lifecycle'): Layer {
  return which === 'daemon' ? DAEMON : LIFECYCLE;
}

/** Why this layer cannot be restarted from here, or undefined when it can. */
export function cannotRestart(layer: Layer, roots: EngineRoots | undefined): string | undefined {
  if (!roots) return `${layer.binary}: the engine's roots are unknown (not strata, or not local): restart it where it runs`;
  if (!existsSync(layer.pidFile(roots))) return `${layer.binary}: not started by \`strata engine\` (no ${layer.pidFile(roots)}): restart it the way it was started`;
  return undefined;
}

export async function restartLayer(which: 'daemon' | 'lifecycle', roots: EngineRoots, client: Client): Promise<string> {
  const layer = layerFor(which);
  const how = await stopLayer(layer, roots);
  const r = await startLayer(layer, roots);
  if (which === 'lifecycle') {
    // stratad reconnects to a restarted lifecycled by itself: done once a
    // call that needs lifecycled (the image list) goes through again.
    await startLayer(DAEMON, roots);
    const deadline = Date.now() + 30_000;
    for (;;) {
      try {
        await client.images.list();
        break;
      } catch (e) {
        if (Date.now() > deadline) throw new Error(`stratad did not reach the restarted strata-lifecycled within 30 s: ${(e as Error).message}`);
        await new Promise((res) => setTimeout(res, 200));
      }
    }
  }
  return `${layer.binary}: ${how}, started again (pid ${r.pid})`;
}

export async function stopDaemon(roots: EngineRoots): Promise<string> {
  return `stratad: ${await stopLayer(DAEMON, roots)}`;
}

export async function startDaemon(roots: EngineRoots): Promise<string> {
  const r = await startLayer(DAEMON, roots);
  return `stratad: ${r.started ? 'started' : 'already running'} (pid ${r.pid})`;
}
