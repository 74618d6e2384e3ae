// stratad's own endpoints beside the Engine API (engine/daemon/STRATA-API.md):
// the request log, lifecycled's events, shims, cgroup stats and traces.
// A real dockerd answers 404 to every /strata/ path: that becomes
// NotStrataError, so callers can say "needs strata" and carry on.
//
//   const s = new StrataApi(client.transport);
//   for await (const r of s.requests({ signal })) ...   // ring first, then live
import type { Readable } from 'node:stream';

import { ApiError } from './errors.ts';
import { jsonLines } from './json-lines.ts';
import type { Transport } from './transport.ts';

// The wire types are the daemon's contract, shared as types only.
import type { Layer, LifecycleEvent, RequestRecord, ShimInfo, Span, StatsSample, Trace } from '../../engine/daemon/strata-api.ts';

export type { LifecycleEvent, Layer, RequestRecord, ShimInfo, Span, StatsSample, Trace } from '../../engine/daemon/strata-api.ts';
export const LAYER_ORDER: Layer[] = ['client', 'stratad', 'strata-lifecycled', 'strata-shim', 'strata-runtime'];

/** The daemon does not have /strata/ endpoints: it is not stratad (dockerd, or an old stratad). */
export class NotStrataError extends Error {
  constructor(readonly request: string) {
    super(`${request}: the daemon is not strata (needs stratad's /strata/ endpoints)`);
    this.name = 'NotStrataError';
  }
}

const enc = encodeURIComponent;

export class StrataApi {
  constructor(private readonly t: Transport) {}

  // The follow calls resolve once the daemon answered (so "connected" is
  // known before the first item), with the items to iterate.

  /** The request log: what the ring holds, then each call as it finishes (follow). */
  requests(opts: { signal?: AbortSignal } = {}): Promise<AsyncGenerator<RequestRecord>> {
    return this.follow<RequestRecord>('/strata/requests', opts.signal);
  }

  lifecycleEvents(opts: { signal?: AbortSignal } = {}): Promise<AsyncGenerator<LifecycleEvent>> {
    return this.follow<LifecycleEvent>('/strata/lifecycle/events', opts.signal);
  }

  /** One sample per running container per second. */
  stats(opts: { signal?: AbortSignal } = {}): Promise<AsyncGenerator<StatsSample>> {
    return this.follow<StatsSample>('/strata/stats', opts.signal);
  }

  /** Whether the daemon is stratad (it has the request log); false for a dockerd. */
  async isStrata(): Promise<boolean> {
    try {
      const res = await this.guard('GET /strata/requests', () => this.t.request({ method: 'GET', path: '/strata/requests', stream: true }));
      res.destroy();
      return true;
    } catch (e) {
      if (e instanceof NotStrataError) return false;
      throw e;
    }
  }

  shims(): Promise<ShimInfo[]> {
    return this.get<ShimInfo[]>('/strata/shims');
  }

  /** Newest first. */
  traces(opts: { limit?: number } = {}): Promise<Trace[]> {
    return this.get<Trace[]>('/strata/traces', { limit: opts.limit });
  }

  /** A 404 here is an unknown trace (ApiError), not "not strata". */
  trace(id: string): Promise<Trace> {
    return this.t.json<Trace>({ method: 'GET', path: `/strata/traces/${enc(id)}` });
  }

  /** Add the client's own spans to a trace. */
  async postSpans(id: string, spans: Span[]): Promise<void> {
    await this.guard(`POST /strata/traces/${id}/spans`, () => this.t.empty({ method: 'POST', path: `/strata/traces/${enc(id)}/spans`, body: spans }));
  }

  private get<T>(path: string, query?: Record<string, number | undefined>): Promise<T> {
    return this.guard(`GET ${path}`, () => this.t.json<T>({ method: 'GET', path, query }));
  }

  private async follow<T>(path: string, signal: AbortSignal | undefined): Promise<AsyncGenerator<T>> {
    const res: Readable = await this.guard(`GET ${path}`, () => this.t.request({ method: 'GET', path, query: { follow: true }, stream: true }));
    return items<T>(res, signal);
  }

  private async guard<T>(what: string, call: () => Promise<T>): Promise<T> {
    try {
      return await call();
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) throw new NotStrataError(what);
      throw e;
    }
  }
}

async function* items<T>(res: Readable, signal: AbortSignal | undefined): AsyncGenerator<T> {
  const stop = () => res.destroy();
  signal?.addEventListener('abort', stop, { once: true });
  try {
    yield* jsonLines<T>(res);
  } catch (e) {
    if (signal?.aborted) return;
    throw e;
  } finally {
    signal?.removeEventListener('abort', stop);
    res.destroy();
  }
}
