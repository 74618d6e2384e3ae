// /volumes/...
import { encodeFilters } from './filters.ts';
import type { Transport } from './transport.ts';
import type { Filters, PruneResult, Volume, VolumeCreateOptions } from './types.ts';

const enc = encodeURIComponent;

export class Volumes {
  constructor(private readonly t: Transport) {}

  async list(opts: { filters?: Filters } = {}): Promise<Volume[]> {
    const r = await this.t.json<{ Volumes: Volume[] | null }>({ method: 'GET', path: '/volumes', query: { filters: encodeFilters(opts.filters) } });
    return r.Volumes ?? [];
  }

  create(body: VolumeCreateOptions): Promise<Volume> {
    return this.t.json({ method: 'POST', path: '/volumes/create', body: { Driver: 'local', ...body } });
  }

  inspect(name: string): Promise<Volume> {
    return this.t.json({ method: 'GET', path: `/volumes/${enc(name)}` });
  }

  remove(name: string, opts: { force?: boolean } = {}): Promise<number> {
    return this.t.empty({ method: 'DELETE', path: `/volumes/${enc(name)}`, query: { force: opts.force || undefined } });
  }

  prune(opts: { filters?: Filters } = {}): Promise<PruneResult> {
    return this.t.json({ method: 'POST', path: '/volumes/prune', query: { filters: encodeFilters(opts.filters) } });
  }
}
