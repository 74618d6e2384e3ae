// /_ping, /version, /info, /events, /system/df.
import { encodeFilters } from './filters.ts';
import { jsonLines } from './json-lines.ts';
import { readAll, type Transport } from './transport.ts';
import type { DiskUsage, EventMessage, Filters, SystemInfo, VersionResponse } from './types.ts';

export interface PingResult {
  ok: boolean;
  apiVersion: string | undefined;
  osType: string | undefined;
  experimental: boolean;
}

export class System {
  constructor(private readonly t: Transport) {}

  async ping(): Promise<PingResult> {
    const res = await this.t.request({ method: 'GET', path: '/_ping', versioned: false });
    const body = (await readAll(res)).toString('utf8');
    const h = (k: string) => {
      const v = res.headers[k];
      return Array.isArray(v) ? v[0] : v;
    };
    return { ok: body === 'OK', apiVersion: h('api-version'), osType: h('ostype'), experimental: h('docker-experimental') === 'true' };
  }

  version(): Promise<VersionResponse> {
    return this.t.json({ method: 'GET', path: '/version' });
  }

  info(): Promise<SystemInfo> {
    return this.t.json({ method: 'GET', path: '/info' });
  }

  df(): Promise<DiskUsage> {
    return this.t.json({ method: 'GET', path: '/system/df' });
  }

  /**
   * Events as they happen (since/until are unix seconds or the daemon's
   * accepted forms). Ends when until passes or the signal aborts.
   */
  async *events(opts: { since?: string | number; until?: string | number; filters?: Filters; signal?: AbortSignal } = {}): AsyncGenerator<EventMessage> {
    const res = await this.t.request({ method: 'GET', path: '/events', query: { since: opts.since, until: opts.until, filters: encodeFilters(opts.filters) }, stream: true });
    opts.signal?.addEventListener('abort', () => res.destroy(), { once: true });
    try {
      yield* jsonLines<EventMessage>(res);
    } catch (e) {
      if (opts.signal?.aborted) return;
      throw e;
    } finally {
      res.destroy();
    }
  }
}
