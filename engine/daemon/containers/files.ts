// The per-container /etc files Docker bind-mounts: hostname, hosts and
// resolv.conf, under <data-root>/containers/<id>/.
//
// /etc/hosts is how containers on a user network find each other by name
// (no embedded DNS server: names keep resolving while stratad is down).
// The network code rewrites it whenever an endpoint joins or leaves one of
// the container's networks, in place: the file is bind-mounted into the
// container, so the inode must stay (write at 0, then truncate; never rename).
import { closeSync, ftruncateSync, mkdirSync, openSync, readFileSync, writeFileSync, writeSync } from 'node:fs';
import { hostname as hostHostname } from 'node:os';
import { join } from 'node:path';

import type { SpecFiles } from './spec.ts';

export function containerDir(dataRoot: string, id: string): string {
  return join(dataRoot, 'containers', id);
}

function hostResolvConf(): string {
  try {
    return readFileSync('/etc/resolv.conf', 'utf8');
  } catch {
    return '';
  }
}

/** moby libnetwork/resolvconf: drop loopback nameservers (they mean nothing in a private net ns); none left -> Google's. */
function containerResolvConf(hostNet: boolean): string {
  const lines = hostResolvConf().split('\n');
  if (hostNet) return lines.join('\n');
  const kept = lines.filter((l) => !/^\s*nameserver\s+(127\.|::1\b)/.test(l));
  if (!kept.some((l) => /^\s*nameserver\s/.test(l))) kept.push('nameserver 8.8.8.8', 'nameserver 8.8.4.4');
  return `${kept.filter((l, i) => l !== '' || i < kept.length - 1).join('\n')}\n`;
}

export interface HostsEntry {
  ip: string;
  names: string[];
}

/** Docker's container /etc/hosts: localhost lines, the container's own addresses, then its peers on user networks. */
export function renderHosts(hostname: string, own: string[], peers: HostsEntry[]): string {
  const lines = [
    '127.0.0.1\tlocalhost',
    '::1\tlocalhost ip6-localhost ip6-loopback',
    'fe00::0\tip6-localnet',
    'ff00::0\tip6-mcastprefix',
    'ff02::1\tip6-allnodes',
    'ff02::2\tip6-allrouters',
  ];
  if (own.length === 0) lines.push(`127.0.1.1\t${hostname}`);
  for (const ip of own) lines.push(`${ip}\t${hostname}`);
  for (const p of peers) lines.push(`${p.ip}\t${[...new Set(p.names)].join(' ')}`);
  return `${lines.join('\n')}\n`;
}

/** Replace a bind-mounted file's content keeping its inode; a missing file is left missing. */
export function rewriteInPlace(path: string, content: string): void {
  let fd: number;
  try {
    fd = openSync(path, 'r+');
  } catch {
    return;
  }
  try {
    const buf = Buffer.from(content);
    writeSync(fd, buf, 0, buf.length, 0);
    ftruncateSync(fd, buf.length);
  } finally {
    closeSync(fd);
  }
}

export function hostsPath(dataRoot: string, id: string): string {
  return join(containerDir(dataRoot, id), 'hosts');
}

export function writeContainerFiles(dataRoot: string, id: string, hostname: string, networkMode: string): SpecFiles {
  const dir = containerDir(dataRoot, id);
  mkdirSync(dir, { recursive: true });
  const hostNet = networkMode === 'host';
  const files: SpecFiles = { hostname: join(dir, 'hostname'), hosts: join(dir, 'hosts'), resolvConf: join(dir, 'resolv.conf') };
  writeFileSync(files.hostname, `${hostNet ? hostHostname() : hostname}\n`);
  const hosts = hostNet
    ? readFileSync('/etc/hosts', 'utf8')
    : renderHosts(hostname, [], []);
  writeFileSync(files.hosts, hosts);
  writeFileSync(files.resolvConf, containerResolvConf(hostNet));
  return files;
}
