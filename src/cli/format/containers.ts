// `ps` rows: a ContainerSummary as the fields --format names, computed the
// way docker's formatter does (short IDs, quoted and truncated commands,
// names without their slash, "N minutes ago", 0.0.0.0:8080->80/tcp).
import type { ContainerSummary, Port } from '../../client/types.ts';
import { ago, humanSize, shortId } from './human.ts';

export const PS_HEADERS: Record<string, string> = {
  ID: 'CONTAINER ID',
  Image: 'IMAGE',
  Command: 'COMMAND',
  CreatedAt: 'CREATED AT',
  RunningFor: 'CREATED',
  Status: 'STATUS',
  Ports: 'PORTS',
  Names: 'NAMES',
  State: 'STATE',
  Labels: 'LABELS',
  Size: 'SIZE',
  Mounts: 'MOUNTS',
  Networks: 'NETWORKS',
};

export const PS_DEFAULT = 'table {{.ID}}\t{{.Image}}\t{{.Command}}\t{{.RunningFor}}\t{{.Status}}\t{{.Ports}}\t{{.Names}}';

/** Go's Ellipsis: keep n runes, the last one an ellipsis. */
export function ellipsis(s: string, n: number): string {
  const r = [...s];
  return r.length <= n ? s : `${r.slice(0, n - 1).join('')}…`;
}

export function formatPorts(ports: Port[] | null | undefined): string {
  return (ports ?? [])
    .map((p) => (p.PublicPort ? `${p.IP ?? '0.0.0.0'}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`))
    .join(', ');
}

/** "2024-05-01 12:00:00 +0000 UTC", Go's time.Time String() in UTC. */
export function goTime(unixSeconds: number): string {
  return `${new Date(unixSeconds * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, '')} +0000 UTC`;
}

export interface PsRow {
  ID: string;
  Image: string;
  Command: string;
  CreatedAt: string;
  RunningFor: string;
  Status: string;
  Ports: string;
  Names: string;
  State: string;
  Labels: string;
  Size: string;
  Mounts: string;
  Networks: string;
}

export function psRow(c: ContainerSummary, opts: { trunc: boolean; now?: number }): PsRow {
  const command = opts.trunc ? ellipsis(c.Command, 20) : c.Command;
  const size = c.SizeRw !== undefined ? `${humanSize(c.SizeRw)} (virtual ${humanSize(c.SizeRootFs ?? 0)})` : '0B';
  return {
    ID: opts.trunc ? shortId(c.Id) : c.Id,
    Image: c.Image,
    Command: JSON.stringify(command),
    CreatedAt: goTime(c.Created),
    RunningFor: ago(c.Created, opts.now),
    Status: c.Status,
    Ports: formatPorts(c.Ports),
    Names: c.Names.map((n) => n.replace(/^\//, '')).filter((n) => !n.includes('/')).join(','),
    State: c.State,
    Labels: Object.entries(c.Labels ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join(','),
    Size: size,
    Mounts: (c.Mounts ?? []).map((m) => m.Name ?? m.Source).join(','),
    Networks: Object.keys(c.NetworkSettings?.Networks ?? {}).join(','),
  };
}
