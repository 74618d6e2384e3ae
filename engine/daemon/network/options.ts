// Per-engine network settings (stratad flags).  Isolated engines run side by
// side on one host (tests), so every host-global name is configurable:
//   --bridge NAME        the default bridge device            (strata0)
//   --bip CIDR           its address and subnet                (172.30.0.1/16)
//   --nft-table NAME     the engine's nftables table (ip)      (strata)
//   --veth-prefix P      host veth ends are P + 8 hex digits,  (stv)
//                        user bridges P + "-" + hex digits
//   --address-pool CIDR/SIZE  where user networks without a subnet get one
//                        (172.17.0.0/12/16 then 192.168.0.0/16/20, Docker's)
// The same settings may live in <data-root>/network.json ({"bridge", "bip",
// "nftTable", "vethPrefix", "addressPools": [...]}, like dockerd's
// daemon.json): an engine started by `strata engine start`, which passes
// no network flags, keeps its own names that way.  Flags win over the file.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { invalidArgument } from '../../errors.ts';
import { parseCidrAddr, type Cidr } from './ipv4.ts';

export interface AddressPool {
  base: Cidr;
  size: number;
}

export interface NetworkOptions {
  bridge: string;
  bip: string;
  nftTable: string;
  vethPrefix: string;
  pools: AddressPool[];
  /** Turn on net.ipv4.ip_forward (as dockerd does) so published ports answer other hosts. */
  ipForward: boolean;
}

export const DEFAULT_NETWORK_OPTIONS: NetworkOptions = {
  bridge: 'strata0',
  bip: '172.30.0.1/16',
  nftTable: 'strata',
  vethPrefix: 'stv',
  pools: [parsePool('172.17.0.0/12/16'), parsePool('192.168.0.0/16/20')],
  ipForward: true,
};

export function parsePool(text: string): AddressPool {
  const m = /^(.+)\/(\d{1,2})$/.exec(text);
  const c = m ? parseCidrAddr(m[1] ?? '') : undefined;
  const size = Number(m?.[2]);
  if (!m || !c || size < c.cidr.bits || size > 30) throw invalidArgument('stratad', `invalid --address-pool "${text}": expected CIDR/SIZE, e.g. 10.10.0.0/16/24`);
  return { base: c.cidr, size };
}

/** Flags -> options, checked (interface names have 15 bytes; nft names are identifiers). */
export function networkOptions(flags: { bridge?: string; bip?: string; nftTable?: string; vethPrefix?: string; pools?: string[]; ipForward?: string | boolean }): NetworkOptions {
  const fwd = flags.ipForward;
  if (fwd !== undefined && typeof fwd !== 'boolean' && fwd !== 'true' && fwd !== 'false') throw invalidArgument('stratad', `invalid --ip-forward "${fwd}": true or false`);
  const o: NetworkOptions = {
    bridge: flags.bridge ?? DEFAULT_NETWORK_OPTIONS.bridge,
    bip: flags.bip ?? DEFAULT_NETWORK_OPTIONS.bip,
    nftTable: flags.nftTable ?? DEFAULT_NETWORK_OPTIONS.nftTable,
    vethPrefix: flags.vethPrefix ?? DEFAULT_NETWORK_OPTIONS.vethPrefix,
    pools: flags.pools?.length ? flags.pools.map(parsePool) : DEFAULT_NETWORK_OPTIONS.pools,
    ipForward: fwd === undefined ? DEFAULT_NETWORK_OPTIONS.ipForward : fwd === true || fwd === 'true',
  };
  if (!/^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/.test(o.bridge)) throw invalidArgument('stratad', `invalid --bridge "${o.bridge}": an interface name of 1-15 letters, digits, _ . -`);
  const bip = parseCidrAddr(o.bip);
  if (!bip || bip.cidr.bits > 30 || bip.addr === bip.cidr.base) throw invalidArgument('stratad', `invalid --bip "${o.bip}": expected the bridge's address in CIDR form, e.g. 172.30.0.1/16`);
  if (!/^[a-zA-Z][a-zA-Z0-9_]{0,31}$/.test(o.nftTable)) throw invalidArgument('stratad', `invalid --nft-table "${o.nftTable}": letters, digits and _ only`);
  if (!/^[a-z][a-z0-9]{0,6}$/.test(o.vethPrefix)) throw invalidArgument('stratad', `invalid --veth-prefix "${o.vethPrefix}": 1-7 lowercase letters and digits`);
  return o;
}

type Flags = Parameters<typeof networkOptions>[0];

/** <data-root>/network.json under the flags (a missing file is no settings). */
export function loadNetworkOptions(dataRoot: string, flags: Flags): NetworkOptions {
  const path = join(dataRoot, 'network.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return networkOptions(flags);
  }
  let f: unknown;
  try {
    f = JSON.parse(text);
  } catch (e) {
    throw invalidArgument('stratad', `${path}: not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  if (typeof f !== 'object' || f === null || Array.isArray(f)) throw invalidArgument('stratad', `${path}: expected a JSON object`);
  const o = f as Record<string, unknown>;
  const str = (k: string): string | undefined => {
    const v = o[k];
    if (v === undefined) return undefined;
    if (typeof v !== 'string') throw invalidArgument('stratad', `${path}: "${k}" must be a string`);
    return v;
  };
  const pools = o.addressPools;
  if (pools !== undefined && (!Array.isArray(pools) || !pools.every((p) => typeof p === 'string'))) throw invalidArgument('stratad', `${path}: "addressPools" must be a list of CIDR/SIZE strings`);
  if (o.ipForward !== undefined && typeof o.ipForward !== 'boolean') throw invalidArgument('stratad', `${path}: "ipForward" must be true or false`);
  return networkOptions({
    bridge: flags.bridge ?? str('bridge'),
    bip: flags.bip ?? str('bip'),
    nftTable: flags.nftTable ?? str('nftTable'),
    vethPrefix: flags.vethPrefix ?? str('vethPrefix'),
    pools: flags.pools?.length ? flags.pools : (pools as string[] | undefined),
    ipForward: flags.ipForward ?? (o.ipForward as boolean | undefined),
  });
}
