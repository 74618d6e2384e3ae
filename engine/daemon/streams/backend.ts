// The narrow backend the stream, exec and image routes need (moby's
// router/container/backend.go idea): lifecycled's client, lifecycled's roots
// (its json-file logs, task bundles and content store are read from disk: the
// gRPC API has no log or blob read call) and the Docker-level container store.
// By default it is read from the daemon's services (services.ts); tests may
// set their own with setStreamsBackend().
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { Layout } from '../../lifecycle/paths.ts';
import { internal } from '../../errors.ts';
import { lifecycleId } from '../containers/manager.ts';
import type { ContainerRecord } from '../containers/types.ts';
import { services, type DaemonPaths } from '../services.ts';

export interface StreamsBackend {
  lifecycle(): LifecycleApi;
  /** strata-lifecycled's --data-root and --exec-root. */
  lifecycleRoots(): { dataRoot: string; execRoot: string };
  /** Full id, name or unique prefix; NotFound "No such container: X". */
  resolve(ref: string): ContainerRecord;
  /** Every container record (image in-use checks). */
  list(): ContainerRecord[];
  /**
   * Run `hook` after the next start of container `id` created its task and
   * before it starts it (attach connects there: no output is missed).
   * Returns the unregister function.
   */
  beforeStart(id: string, hook: () => Promise<void>): () => void;
}

let current: StreamsBackend | undefined;

/**
 * lifecycled's data root as seen from stratad's paths: an explicit
 * `lifecycledDataRoot` when the daemon's paths carry one, else the first of
 * the usual layouts that holds a content store.
 */
function guessDataRoot(paths: DaemonPaths & { lifecycledDataRoot?: string }): string {
  if (paths.lifecycledDataRoot) return paths.lifecycledDataRoot;
  const candidates = [join(paths.dataRoot, 'lifecycle'), join(paths.dataRoot, 'lifecycled'), paths.dataRoot];
  return candidates.find((d) => existsSync(join(d, 'content'))) ?? paths.dataRoot;
}

/** The backend over the daemon's services (services.ts), used unless a test sets its own. */
function fromServices(): StreamsBackend {
  const s = services();
  return {
    lifecycle: () => s.lifecycle,
    lifecycleRoots: () => ({ dataRoot: guessDataRoot(s.paths), execRoot: dirname(s.paths.lifecycledSocket) }),
    resolve: (ref) => s.store.resolve(ref),
    list: () => s.store.list(),
    beforeStart: (id, hook) => s.containers.beforeStart(id, hook),
  };
}

export function setStreamsBackend(b: StreamsBackend | undefined): void {
  current = b;
}

export function backend(): StreamsBackend {
  if (current) return current;
  try {
    return fromServices();
  } catch (e) {
    throw internal('stratad', `stream/exec/image routes have no backend: ${e instanceof Error ? e.message : String(e)}`);
  }
}

export function lifecycleLayout(): Layout {
  return new Layout(backend().lifecycleRoots());
}

/** The lifecycled container (and task) id of a Docker container. */
export function taskIdOf(c: ContainerRecord): string {
  return lifecycleId(c.id);
}
