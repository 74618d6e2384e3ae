// Per-engine host networking for tests.  stratad's default bridge, nft table
// and veth names are host-global (strata0, table "strata"), so every test
// engine gets its own: a bridge, a /24 in a 10.x/16 no route on the host
// uses, a table and a veth prefix named by the engine's tag.  Teardown removes
// them (they outlive stratad by design, as docker0 outlives dockerd) and
// reports any veth of the engine that was still there: a leak.
// Also the loopback HTTP helpers the network tests share (traffic to
// 127.0.0.1 only).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';

import { runCommand } from './run.ts';

export interface HostNetwork {
  bridge: string;
  table: string;
  prefix: string;
  /** The second octet of the engine's 10.<octet>.0.0/16 pool. */
  octet: number;
  /** stratad flags naming all of the above (and --ip-forward=false; a later flag wins). */
  args: string[];
  /** The same, as <data-root>/network.json (for `strata engine start`). */
  writeConfig(dataRoot: string): void;
  /** Host links of this engine: its bridges and veths. */
  links(): string[];
  /** `nft list table ip <table>`, '' when there is none. */
  nftTable(): Promise<string>;
  /** Remove the bridge, table and any link left; returns the veths that were left (leaks). */
  cleanup(): Promise<string[]>;
}

/** 10.<octet>.0.0/16 clear of every route on the host (other engines' bridges included). */
function freeOctet(): number {
  const routes = readFileSync('/proc/net/route', 'utf8').split('\n');
  for (;;) {
    const o = 160 + Math.floor(Math.random() * 80);
    const hex = o.toString(16).padStart(2, '0').toUpperCase();
    // /proc/net/route is little-endian: 10.o.x.y reads as "..{o}0A".
    if (!routes.some((l) => (l.split(/\s+/)[1] ?? '').endsWith(`${hex}0A`))) return o;
  }
}

/** tag: a few [a-z0-9] characters unique to the engine (interface names have 15 bytes). */
export function isolatedNetwork(tag: string): HostNetwork {
  const t = tag.toLowerCase().replace(/[^a-z0-9]/g, 'x').slice(-6);
  const bridge = `sb${t}`;
  const table = `strata_t_${t}`;
  const prefix = `n${t}`;
  const octet = freeOctet();
  // ip_forward is host-wide: test engines leave it alone unless a test asks (and restores it).
  const config = { bridge, bip: `10.${octet}.0.1/24`, nftTable: table, vethPrefix: prefix, addressPools: [`10.${octet}.0.0/16/24`], ipForward: false };
  const links = () => readdirSync('/sys/class/net').filter((l) => l === bridge || l.startsWith(prefix));
  const nftTable = async () => {
    const r = await runCommand('nft', ['list', 'table', 'ip', table]);
    return r.code === 0 ? r.stdout : '';
  };
  return {
    bridge, table, prefix, octet, links, nftTable,
    args: ['--bridge', bridge, '--bip', config.bip, '--nft-table', table, '--veth-prefix', prefix, '--address-pool', config.addressPools[0] ?? '', '--ip-forward=false'],
    writeConfig: (dataRoot) => writeFileSync(join(dataRoot, 'network.json'), JSON.stringify(config)),
    async cleanup() {
      // Veths are <prefix><8 hex>; user-network bridges <prefix>-<hex> (removed, not counted).
      const leaked = links().filter((l) => l !== bridge && !l.includes('-'));
      await runCommand('nft', ['delete', 'table', 'ip', table]);
      for (const l of links()) await runCommand('ip', ['link', 'del', l]);
      return leaked;
    },
  };
}

/** One GET to 127.0.0.1:port; resolves with the body, rejects on any failure. */
export function fetchLocal(port: number, path = '/', timeoutMs = 3000): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = get({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`HTTP ${res.statusCode}`))));
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
  });
}

/** fetchLocal until it answers (5 s). */
export async function waitHttp(port: number, path = '/'): Promise<string> {
  let last: unknown;
  for (let i = 0; i < 100; i++) {
    try {
      return await fetchLocal(port, path, 1000);
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  throw new Error(`127.0.0.1:${port}${path} never answered: ${String(last)}`);
}

/** httpd serving /www with a file naming the container. */
export const HTTPD = ['sh', '-c', 'mkdir -p /www && hostname > /www/name && exec httpd -f -p 80 -h /www'];

/** GET 127.0.0.1:port/path every 10 ms until stopped; stop() says how many answered and what failed. */
export function requestLoop(port: number, path = '/'): { stop(): Promise<{ served: number; failures: string[] }> } {
  let served = 0;
  let running = true;
  const failures: string[] = [];
  const loop = (async () => {
    while (running) {
      try {
        await fetchLocal(port, path);
        served++;
      } catch (e) {
        failures.push(String(e));
      }
      await new Promise((r) => setTimeout(r, 10));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return { served, failures };
    },
  };
}
