// /networks/...
import { encodeFilters } from './filters.ts';
import type { Transport } from './transport.ts';
import type { Filters, Network, NetworkCreateOptions, PruneResult } from './types.ts';

const enc = encodeURIComponent;

export class Networks {
  constructor(private readonly t: Transport) {}

  list(opts: { filters?: Filters } = {}): Promise<Network[]> {
    return this.t.json({ method: 'GET', path: '/networks', query: { filters: encodeFilters(opts.filters) } });
  }

  create(body: NetworkCreateOptions): Promise<{ Id: string; Warning?: string }> {
    return this.t.json({ method: 'POST', path: '/networks/create', body: { Driver: 'bridge', ...body } });
  }

  inspect(id: string): Promise<Network> {
    return this.t.json({ method: 'GET', path: `/networks/${enc(id)}` });
  }

  remove(id: string): Promise<number> {
    return this.t.empty({ method: 'DELETE', path: `/networks/${enc(id)}` });
  }

  prune(opts: { filters?: Filters } = {}): Promise<PruneResult> {
    return this.t.json({ method: 'POST', path: '/networks/prune', query: { filters: encodeFilters(opts.filters) } });
  }
}
