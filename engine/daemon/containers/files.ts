// The per-container /etc files Docker bind-mounts: hostname, hosts and
// resolv.conf, under <data-root>/containers/<id>/.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
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

export function writeContainerFiles(dataRoot: string, id: string, hostname: string, networkMode: string): SpecFiles {
  const dir = containerDir(dataRoot, id);
  mkdirSync(dir, { recursive: true });
  const hostNet = networkMode === 'host';
  const files: SpecFiles = { hostname: join(dir, 'hostname'), hosts: join(dir, 'hosts'), resolvConf: join(dir, 'resolv.conf') };
  writeFileSync(files.hostname, `${hostNet ? hostHostname() : hostname}\n`);
  const hosts = hostNet
    ? readFileSync('/etc/hosts', 'utf8')
    : [
        '127.0.0.1\tlocalhost',
        '::1\tlocalhost ip6-localhost ip6-loopback',
        'fe00::0\tip6-localnet',
        'ff00::0\tip6-mcastprefix',
        'ff02::1\tip6-allnodes',
        'ff02::2\tip6-allrouters',
        `127.0.1.1\t${hostname}`,
        '',
      ].join('\n');
  writeFileSync(files.hosts, hosts);
  writeFileSync(files.resolvConf, containerResolvConf(hostNet));
  return files;
}
