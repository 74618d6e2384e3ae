// strata-lifecycled's image side: content store, images, snapshots, safe layer extraction.
import type { Database } from 'better-sqlite3';

import { LocalImageService } from './service.ts';
import type { ImageService } from './types.ts';

export type * from './types.ts';
export { ImageError } from './errors.ts';
export { LocalImageService } from './service.ts';
export { normalizeName } from './names.ts';

/**
 * The image service over <dataRoot>/{content,snapshots,tmp} and the shared
 * database (tables content_*, snap_*, img_*).  Probes overlay once (a mount in
 * a temp dir) unless STRATA_SNAPSHOTTER=copy.  Call reconcile() once at start.
 */
export function createImageService(opts: { dataRoot: string; db: Database; events: (topic: string, payload: object) => void }): ImageService & { reconcile(): import('./types.ts').ReconcileReport } {
  return new LocalImageService(opts);
}
