// /networks/...
import { encodeFilters } from './filters.ts';
import type { Transport } from './transport.ts';
import type { Filters, Network, NetworkCreateOptions, PruneResult } from './types.ts';

const enc = encodeURIComponent;

/** IPv4 IPAM settings for a bridge network (all optional: stratad picks a free subnet). */
export interface NetworkIpam {
  Config: { Subnet?: string; Gateway?: string; IPRange?: string }[];
}

/** Per-endpoint settings for connect: aliases on the network, a fixed address. */
export interface EndpointSettings {
  Aliases?: string[];
  IPAMConfig?: { IPv4Address?: string };
}

export class Networks {
  constructor(private readonly t: Transport) {}

  list(opts: { filters?: Filters } = {}): Promise<Network[]> {
    return this.t.json({ method: 'GET', path: '/networks', query: { filters: encodeFilters(opts.filters) } });
  }

  create(body: NetworkCreateOptions & { IPAM?: NetworkIpam }): Promise<{ Id: string; Warning?: string }> {
    return this.t.json({ method: 'POST', path: '/networks/create', body: { Driver: 'bridge', ...body } });
  }

  inspect(id: string): Promise<Network> {
    return this.t.json({ method: 'GET', path: `/networks/${enc(id)}` });
  }

  remove(id: string): Promise<number> {
    return this.t.empty({ method: 'DELETE', path: `/networks/${enc(id)}` });
  }

  connect(id: string, container: string, endpoint: EndpointSettings = {}): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/networks/${enc(id)}/connect`, body: { Container: container, EndpointConfig: endpoint } });
  }

  disconnect(id: string, container: string, force = false): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/networks/${enc(id)}/disconnect`, body: { Container: container, Force: force } });
  }

  prune(opts: { filters?: Filters } = {}): Promise<PruneResult> {
    return this.t.json({ method: 'POST', path: '/networks/prune', query: { filters: encodeFilters(opts.filters) } });
  }
}
