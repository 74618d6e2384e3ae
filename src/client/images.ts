// /images/...: list, inspect, tag, remove, load/save/import, history, prune, pull, push.
import type { Readable } from 'node:stream';

import { authHeaderFor } from './auth.ts';
import { ApiError } from './errors.ts';
import { encodeFilters } from './filters.ts';
import { jsonLines } from './json-lines.ts';
import type { Transport } from './transport.ts';
import type { Filters, ImageDeleteItem, ImageHistoryItem, ImageInspect, ImageSummary, ProgressMessage, PruneResult } from './types.ts';

/** A progress message with the byte counts pull and push report per layer. */
export type PullMessage = ProgressMessage & { progressDetail?: { current?: number; total?: number } };

// Image names carry "/" and ":" (localhost:5000/foo:1) and travel as is in
// the path: the daemon routes on the suffix. Only characters that would
// break the URL are escaped.
const encName = (name: string) => name.split('/').map(encodeURIComponent).join('/').replace(/%3A/gi, ':').replace(/%40/g, '@');

export class Images {
  constructor(private readonly t: Transport) {}

  list(opts: { all?: boolean; filters?: Filters; digests?: boolean } = {}): Promise<ImageSummary[]> {
    return this.t.json({ method: 'GET', path: '/images/json', query: { all: opts.all || undefined, filters: encodeFilters(opts.filters), digests: opts.digests || undefined } });
  }

  inspect(name: string): Promise<ImageInspect> {
    return this.t.json({ method: 'GET', path: `/images/${encName(name)}/json` });
  }

  history(name: string): Promise<ImageHistoryItem[]> {
    return this.t.json({ method: 'GET', path: `/images/${encName(name)}/history` });
  }

  tag(name: string, repo: string, tag?: string): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/images/${encName(name)}/tag`, query: { repo, tag } });
  }

  remove(name: string, opts: { force?: boolean; noprune?: boolean } = {}): Promise<ImageDeleteItem[]> {
    return this.t.json({ method: 'DELETE', path: `/images/${encName(name)}`, query: { force: opts.force || undefined, noprune: opts.noprune || undefined } });
  }

  /** The tar of one or more images (docker save). */
  save(names: string[]): Promise<Readable> {
    return this.t.request({ method: 'GET', path: '/images/get', query: { names }, stream: true });
  }

  /** Load a `docker save` tar; yields the progress messages ("Loaded image: ..."). */
  load(tar: Readable | Buffer, opts: { quiet?: boolean } = {}): AsyncGenerator<ProgressMessage> {
    return this.progress(this.t.request({ method: 'POST', path: '/images/load', query: { quiet: opts.quiet || undefined }, body: tar, headers: { 'Content-Type': 'application/x-tar' }, stream: true }));
  }

  /** Import a root filesystem tar as an image (docker import). */
  import(tar: Readable | Buffer, opts: { repo?: string; tag?: string; message?: string; changes?: string[] } = {}): AsyncGenerator<ProgressMessage> {
    const q = { fromSrc: '-', repo: opts.repo, tag: opts.tag, message: opts.message, changes: opts.changes };
    return this.progress(this.t.request({ method: 'POST', path: '/images/create', query: q, body: tar, headers: { 'Content-Type': 'text/plain' }, stream: true }));
  }

  /**
   * Pull from a registry (POST /images/create?fromImage=): yields Docker's
   * progress messages.  Credentials: `auth` (an encoded X-Registry-Auth), or
   * those docker login stored for the image's registry, or anonymous.
   */
  pull(image: string, tag: string, opts: { auth?: string; platform?: string } = {}): AsyncGenerator<PullMessage> {
    const headers = { 'X-Registry-Auth': opts.auth ?? authHeaderFor(image) };
    return this.progress(this.t.request({ method: 'POST', path: '/images/create', query: { fromImage: image, tag: tag || undefined, platform: opts.platform || undefined }, headers, stream: true }));
  }

  /** Push a local image (all its repository's tags when no tag): yields Docker's progress messages. */
  push(name: string, opts: { tag?: string; auth?: string } = {}): AsyncGenerator<PullMessage> {
    const headers = { 'X-Registry-Auth': opts.auth ?? authHeaderFor(name) };
    return this.progress(this.t.request({ method: 'POST', path: `/images/${encName(name)}/push`, query: { tag: opts.tag || undefined }, headers, stream: true }));
  }

  prune(opts: { filters?: Filters } = {}): Promise<PruneResult> {
    return this.t.json({ method: 'POST', path: '/images/prune', query: { filters: encodeFilters(opts.filters) } });
  }

  /** Progress streams report failures after the 200 as {"error"}: surface them as ApiError. */
  private async *progress(response: Promise<Readable>): AsyncGenerator<PullMessage> {
    const res = await response;
    for await (const m of jsonLines<PullMessage>(res)) {
      if (m.error !== undefined || m.errorDetail !== undefined) throw new ApiError(500, m.errorDetail?.message ?? m.error ?? 'unknown error', 'progress stream');
      yield m;
    }
  }
}
