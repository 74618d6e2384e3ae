// start / stop / status of engine layers. Starting returns once the layer
// answers (bounded wait; on failure the error carries the log tail).
// Stopping never touches containers: they belong to their shims and keep
// running while the daemons are down.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { EngineRoots, Layer } from './layers.ts';
import { binDir } from './paths.ts';
import { alive, logTail, readPid, spawnDetached, terminate } from './process.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LayerStatus {
  layer: Layer;
  pid: number | undefined;
  running: boolean;
  answers: boolean;
}

export async function status(layer: Layer, r: EngineRoots): Promise<LayerStatus> {
  const pid = readPid(layer.pidFile(r));
  const running = pid !== undefined && alive(pid, layer.binary);
  return { layer, pid: running ? pid : undefined, running, answers: await layer.answers(r) };
}

/** Start a layer unless it already runs; resolves with its pid once it answers. */
export async function startLayer(layer: Layer, r: EngineRoots, timeoutMs = 30_000): Promise<{ pid: number; started: boolean }> {
  const current = await status(layer, r);
  if (current.running && current.pid !== undefined) {
    await waitAnswers(layer, r, current.pid, timeoutMs, layer.binary);
    return { pid: current.pid, started: false };
  }
  if (current.answers) throw new Error(`${layer.binary}: something not started by strata engine already answers at ${layer.address(r)}`);
  const binary = join(binDir(), layer.binary);
  if (!existsSync(binary)) throw new Error(`${layer.binary}: ${binary} does not exist (run npm run build)`);
  mkdirSync(r.execRoot, { recursive: true });
  mkdirSync(r.dataRoot, { recursive: true });
  const pid = spawnDetached(binary, layer.args(r), layer.logFile(r), layer.pidFile(r));
  // Our own child: no name check, since until its execve the child still
  // shows our command line and would read as a recycled pid.
  await waitAnswers(layer, r, pid, timeoutMs, undefined);
  return { pid, started: true };
}

/** `binary`: check the pid still runs that program (a pid read from a pid file may be recycled). */
async function waitAnswers(layer: Layer, r: EngineRoots, pid: number, timeoutMs: number, binary: string | undefined): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await layer.answers(r)) return;
    if (!alive(pid, binary)) throw new Error(`${layer.binary} exited during start-up; ${layer.logFile(r)} ends with:\n${logTail(layer.logFile(r))}`);
    await sleep(50);
  }
  throw new Error(`${layer.binary} (pid ${pid}) did not answer at ${layer.address(r)} within ${timeoutMs / 1000} s; ${layer.logFile(r)} ends with:\n${logTail(layer.logFile(r))}`);
}

/** SIGTERM the layer by its pid file and wait until it is gone. */
export async function stopLayer(layer: Layer, r: EngineRoots): Promise<'stopped' | 'killed' | 'not running'> {
  const pid = readPid(layer.pidFile(r));
  if (pid === undefined || !alive(pid, layer.binary)) return 'not running';
  return terminate(pid, layer.pidFile(r), layer.binary);
}
