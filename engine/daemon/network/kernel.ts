// The kernel side of networking: veths and addresses through the
// strata-netattach helper (rtnetlink; one long-lived process), or iproute2
// batches (`ip -batch -`, `nsenter --net=... ip -batch -`) where it is not
// built, and nftables scripts (`nft -f -`).  Errors name the command, the
// failing line and the tool's own words.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { internal } from '../../errors.ts';
import { REPO_ROOT } from '../../install-paths.ts';
import { LineAgent } from '../../line-agent.ts';

/** native/tools/strata-netattach.c: the veths, addresses and route of a namespace in one exec, over rtnetlink. */
const NETATTACH = join(REPO_ROOT, 'native', 'build', 'tools', 'strata-netattach');
let netattach: boolean | undefined;

function run(cmd: string, args: string[], input: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['pipe', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => (err += d));
    child.on('error', (e) => reject(internal('kernel', `${cmd}: ${e.message}`, e)));
    child.on('close', (code, signal) => {
      if (code === 0) resolve();
      else reject(internal('kernel', `${[cmd, ...args].join(' ')} failed (${signal ?? `exit ${code}`}): ${err.trim() || 'no message'}\ninput:\n${input.trim()}`));
    });
    child.stdin.on('error', () => undefined);
    child.stdin.end(input);
  });
}

/** iproute2 commands (without the leading `ip`) in the host's network namespace. */
export function ipBatch(lines: string[]): Promise<void> {
  return lines.length ? run('ip', ['-batch', '-'], `${lines.join('\n')}\n`) : Promise.resolve();
}

/** iproute2 commands inside the network namespace of process `pid`. */
export function ipBatchIn(pid: number, lines: string[]): Promise<void> {
  return lines.length ? run('nsenter', [`--net=/proc/${pid}/ns/net`, 'ip', '-batch', '-'], `${lines.join('\n')}\n`) : Promise.resolve();
}

export interface Plug {
  veth: string;
  bridge: string;
  ifname: string;
  mac: string;
  /** "10.1.0.2/24" */
  cidr: string;
}

let agent: LineAgent | undefined;

/**
 * veth pairs from the host's bridges into the namespace of `pid`, addressed
 * and up; lo up and a default route when asked.  One request to the
 * strata-netattach helper when it is built, else one `ip -batch` on each side.
 */
export async function plugNamespace(pid: number, plugs: Plug[], opts: { lo: boolean; gateway?: string }): Promise<void> {
  netattach ??= existsSync(NETATTACH);
  if (netattach) {
    const args = [String(pid), ...(opts.lo ? ['--lo'] : []), ...(opts.gateway && plugs.length ? ['--route', opts.gateway] : []), ...plugs.map((p) => [p.veth, p.bridge, p.ifname, p.mac, p.cidr].join(','))];
    return (agent ??= new LineAgent(NETATTACH, 'strata-netattach')).request(args);
  }
  await ipBatch(plugs.flatMap((p) => [`link add ${p.veth} type veth peer name ${p.ifname} address ${p.mac} netns ${pid}`, `link set ${p.veth} master ${p.bridge} up`]));
  const inside = [...(opts.lo ? ['link set lo up'] : []), ...plugs.flatMap((p) => [`addr add ${p.cidr} dev ${p.ifname}`, `link set ${p.ifname} up`])];
  const first = plugs[0];
  if (opts.gateway && first) inside.push(`route add default via ${opts.gateway} dev ${first.ifname}`);
  await ipBatchIn(pid, inside);
}

/** One nft script, applied as one transaction. */
export function nft(script: string): Promise<void> {
  return run('nft', ['-f', '-'], script);
}

export function linkExists(name: string): boolean {
  return existsSync(`/sys/class/net/${name}`);
}

const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';

/**
 * net.ipv4.ip_forward on, as dockerd does by default: without it DNAT'd
 * traffic from other hosts is never routed to the bridge (loopback
 * publishing works without it).  True when this call turned it on.
 */
export function enableIpForward(): boolean {
  if (readFileSync(IP_FORWARD, 'utf8').trim() === '1') return false;
  writeFileSync(IP_FORWARD, '1');
  return true;
}

/** A per-interface IPv4 sysctl (only ever on strata's own bridges). */
export function setIfaceSysctl(iface: string, key: string, value: string): void {
  writeFileSync(`/proc/sys/net/ipv4/conf/${iface}/${key}`, value);
}

/** Deletes links that exist; a missing one is not an error. */
export async function deleteLinks(names: string[]): Promise<void> {
  const present = names.filter(linkExists);
  if (present.length) await run('ip', ['-force', '-batch', '-'], `${present.map((n) => `link del ${n}`).join('\n')}\n`).catch(() => undefined);
}
