// Where the daemon listens, parsed from the forms docker accepts:
// unix:///path, tcp://host:port, http(s)://host:port, or a bare /path.
export type Endpoint =
  | { kind: 'unix'; socketPath: string; url: string }
  | { kind: 'tcp'; host: string; port: number; url: string };

export const DEFAULT_HOST = 'unix:///run/strata/strata.sock';

export function parseHost(raw: string): Endpoint {
  const s = raw.trim();
  if (s.startsWith('/')) return { kind: 'unix', socketPath: s, url: `unix://${s}` };
  const m = /^([a-z]+):\/\/(.*)$/.exec(s);
  if (!m) throw new Error(`invalid host "${raw}": expected unix:///path or tcp://host:port`);
  const [, scheme, rest] = m as unknown as [string, string, string];
  if (scheme === 'unix') {
    if (!rest.startsWith('/')) throw new Error(`invalid host "${raw}": the socket path must be absolute`);
    return { kind: 'unix', socketPath: rest, url: s };
  }
  if (scheme === 'tcp' || scheme === 'http' || scheme === 'https') {
    // [::1]:2376, 127.0.0.1:2376, host (docker's default TLS port is 2376, plain 2375).
    const hm = /^(\[[^\]]+\]|[^:/]+)(?::(\d+))?\/?$/.exec(rest);
    if (!hm) throw new Error(`invalid host "${raw}": expected tcp://host:port`);
    const host = (hm[1] as string).replace(/^\[|\]$/g, '');
    const port = hm[2] !== undefined ? Number(hm[2]) : scheme === 'https' ? 2376 : 2375;
    if (!(port > 0 && port < 65536)) throw new Error(`invalid host "${raw}": bad port`);
    return { kind: 'tcp', host, port, url: s };
  }
  throw new Error(`invalid host "${raw}": unsupported scheme "${scheme}"`);
}
