// Each pane's rows as pure functions of the state: what a person reads,
// already fitted to the pane's inner width. A row carries a tone that the
// theme turns into colour (or nothing, with NO_COLOR).
import type { ContainerSummary } from '../../client/types.ts';
import type { ShimInfo, StatsSample } from '../../client/strata.ts';
import type { EventRow, RequestRow, UiState } from '../store/state.ts';
import { type Column, header, row, sizeColumns } from './columns.ts';
import { bytes, clock, duration, memoryOf, millis, percent, shortId } from './format.ts';
import { sparkline } from './charts.ts';

export type Tone = 'normal' | 'ok' | 'warn' | 'error' | 'muted';

export interface Row {
  key: string;
  text: string;
  tone: Tone;
}

export interface Rows {
  header: string;
  rows: Row[];
}

export const containerName = (c: ContainerSummary): string => (c.Names[0] ?? c.Id.slice(0, 12)).replace(/^\//, '');

function ports(c: ContainerSummary): string {
  return c.Ports.map((p) => (p.PublicPort ? `${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`)).join(',');
}

/** Containers matching the filter (name, image, id prefix, state), in list order. */
export function filterContainers(list: ContainerSummary[], filter: string): ContainerSummary[] {
  const f = filter.trim().toLowerCase();
  if (!f) return list;
  return list.filter((c) => containerName(c).toLowerCase().includes(f) || c.Image.toLowerCase().includes(f) || c.Id.startsWith(f) || c.State === f);
}

const CONTAINER_COLS: Column[] = [
  { title: 'NAME', width: 14 },
  { title: 'IMAGE', width: 10 },
  { title: 'STATE', width: 8 },
  { title: 'UP', width: 4, right: true },
  { title: 'CPU%', width: 6, right: true },
  { title: 'MEM/LIMIT', width: 12, right: true },
  { title: 'PIDS', width: 4, right: true },
  { title: 'PORTS', width: 8, flex: true },
];

export function uptimeOf(c: ContainerSummary, shim: ShimInfo | undefined, now: number): string {
  if (c.State !== 'running') return '-';
  if (shim) return duration((now - Date.parse(shim.startedAt)) / 1000);
  // No shim info (a dockerd): the daemon's own "Up 5 minutes".
  return statusUptime(c.Status);
}

/** docker's "Up 5 minutes", "Up Less than a second", "Up About an hour" as 5m, 0s, 1h. */
export function statusUptime(status: string): string {
  const m = /^Up\s+(.*?)(\s+\(.*\))?$/.exec(status);
  if (!m) return '-';
  const t = (m[1] as string).toLowerCase();
  if (t.startsWith('less than')) return '0s';
  const n = /^(about an?|\d+)\s+(second|minute|hour|day|week|month|year)/.exec(t);
  if (!n) return '-';
  const count = /^\d/.test(n[1] as string) ? n[1] : '1';
  return `${count}${{ second: 's', minute: 'm', hour: 'h', day: 'd', week: 'w', month: 'mo', year: 'y' }[n[2] as string]}`;
}

export function containerRows(s: UiState, width: number, now = Date.now()): Rows {
  const widths = sizeColumns(CONTAINER_COLS, width);
  const shims = new Map(s.shims.map((x) => [x.containerId, x]));
  const rows = filterContainers(s.containers, s.filter).map((c) => {
    const st: StatsSample | undefined = s.stats[c.Id];
    const running = c.State === 'running';
    const cells = [
      containerName(c),
      c.Image,
      c.State,
      uptimeOf(c, shims.get(c.Id), now),
      running && st ? percent(st.cpuPercent) : '-',
      running && st ? memoryOf(st.memoryBytes, st.memoryLimitBytes) : '-',
      running && st ? String(st.pids) : '-',
      ports(c),
    ];
    const tone: Tone = running ? 'ok' : c.State === 'exited' || c.State === 'dead' ? 'muted' : 'warn';
    return { key: c.Id, text: row(cells, CONTAINER_COLS, widths), tone };
  });
  return { header: header(CONTAINER_COLS, widths), rows };
}

const REQUEST_COLS: Column[] = [
  { title: 'TIME', width: 8 },
  { title: 'METHOD', width: 6 },
  { title: 'PATH', width: 20, flex: true },
  { title: 'CODE', width: 4, right: true },
  { title: 'LATENCY', width: 7, right: true },
  { title: 'CALLER', width: 9 },
];

/** Drop the /vX.YY prefix: the version says nothing a person needs here. */
export const shortPath = (p: string): string => p.replace(/^\/v\d+\.\d+\//, '/');

function caller(r: { uid: number | null; pid: number | null }): string {
  if (r.pid !== null) return `pid ${r.pid}`;
  if (r.uid !== null) return `uid ${r.uid}`;
  return 'socket';
}

export function filterRequests(list: RequestRow[], filter: string): RequestRow[] {
  const f = filter.trim().toLowerCase();
  return f ? list.filter((r) => (r.kind === 'request' ? `${r.method} ${r.path} ${r.status}` : r.text).toLowerCase().includes(f)) : list;
}

export function requestRows(list: RequestRow[], width: number, filter = ''): Rows {
  const widths = sizeColumns(REQUEST_COLS, width);
  const rows = filterRequests(list, filter)
    .map((r, i): Row => {
      if (r.kind === 'marker') return { key: `m${i}@${r.time}`, text: row([clock(r.time), '──', r.text], [REQUEST_COLS[0] as Column, REQUEST_COLS[1] as Column, { title: '', width: Math.max(0, width - 16) }], [8, 6, Math.max(0, width - 16)]), tone: 'warn' };
      const tone: Tone = r.status >= 500 ? 'error' : r.status >= 400 ? 'warn' : 'normal';
      return { key: `${r.id}@${r.time}`, text: row([clock(r.time), r.method, shortPath(r.path), String(r.status), millis(r.latencyMs), caller(r)], REQUEST_COLS, widths), tone };
    });
  return { header: header(REQUEST_COLS, widths), rows };
}

const EVENT_COLS: Column[] = [
  { title: 'TIME', width: 8 },
  { title: 'TOPIC', width: 18 },
  { title: 'CONTAINER', width: 12 },
  { title: 'DETAIL', width: 10, flex: true },
];

// stratad's own markers in the stream, in words.
const TOPIC_WORDS: Record<string, string> = { '/strata/lifecycle-disconnected': 'LIFECYCLED DOWN', '/strata/lifecycle-connected': 'lifecycled back' };

function eventDetail(p: Record<string, unknown> | undefined): string {
  if (!p) return '';
  const parts: string[] = [];
  for (const k of ['pid', 'exit_status', 'exec_id', 'name', 'image', 'error']) {
    const v = p[k];
    if (v !== undefined && v !== null && v !== '') parts.push(`${k.replace('_status', '')}=${String(v)}`);
  }
  return parts.join(' ');
}

export function eventRows(list: EventRow[], width: number, filter = ''): Rows {
  const widths = sizeColumns(EVENT_COLS, width);
  const f = filter.trim().toLowerCase();
  const rows = list
    .filter((e) => !f || `${e.topic} ${JSON.stringify(e.payload ?? {})}`.toLowerCase().includes(f))
    .map((e): Row => {
      const id = typeof e.payload?.container_id === 'string' ? shortId(e.payload.container_id) : typeof e.payload?.id === 'string' ? shortId(e.payload.id) : '';
      const detail = e.error ?? eventDetail(e.payload);
      const tone: Tone = e.topic === '/strata/lifecycle-disconnected' || e.topic === '/tasks/oom' ? 'error' : e.topic.startsWith('/strata/') ? 'warn' : e.topic === '/tasks/exit' || e.topic.endsWith('/delete') ? 'muted' : 'normal';
      return { key: `e${e.seq}`, text: row([clock(e.timestamp ?? Date.now()), TOPIC_WORDS[e.topic] ?? e.topic, id, detail], EVENT_COLS, widths), tone };
    });
  return { header: header(EVENT_COLS, widths), rows };
}

const SHIM_COLS: Column[] = [
  { title: 'CONTAINER', width: 12, flex: true },
  { title: 'SHIM', width: 7, right: true },
  { title: 'PARENT', width: 10 },
  { title: 'INIT', width: 7, right: true },
  { title: 'RSS', width: 6, right: true },
  { title: 'UP', width: 4, right: true },
];

/** Who the shim's parent is, in words: the point is that it is not stratad. */
export function parentOf(x: ShimInfo): string {
  if (x.shimPpid === x.daemonPid) return `stratad ${x.shimPpid}`;
  if (x.shimPpid === 1) return 'init 1';
  return `pid ${x.shimPpid}`;
}

export function shimRows(list: ShimInfo[], width: number, now = Date.now()): Rows {
  const widths = sizeColumns(SHIM_COLS, width);
  const rows = list.map((x): Row => ({
    key: x.containerId,
    text: row([x.name || shortId(x.containerId), String(x.shimPid), parentOf(x), String(x.initPid), bytes(x.rssBytes), duration((now - Date.parse(x.startedAt)) / 1000)], SHIM_COLS, widths),
    tone: x.shimPpid === x.daemonPid ? 'error' : 'normal',
  }));
  return { header: header(SHIM_COLS, widths), rows };
}

/** The line above the shim table: the daemon's pid, so "not its child" is visible. */
export function shimCaption(list: ShimInfo[], daemonPid: number | undefined): string {
  const pid = list[0]?.daemonPid ?? daemonPid;
  const pidText = pid === undefined ? 'stratad' : `stratad is pid ${pid}`;
  const children = list.filter((x) => x.shimPpid === x.daemonPid).length;
  return children === 0 ? `${pidText}; no shim is its child (they outlive it)` : `${pidText}; ${children} shim(s) are its children!`;
}

const CGROUP_COLS: Column[] = [
  { title: 'NAME', width: 12 },
  { title: 'CPU%', width: 6, right: true },
  { title: 'CPU 60s', width: 8, flex: true },
  { title: 'MEMORY', width: 12, right: true },
  { title: 'MEM 60s', width: 8, flex: true },
  { title: 'PIDS', width: 5, right: true },
  { title: 'IO R/W', width: 11, right: true },
];

export function cgroupRows(s: UiState, width: number): Rows {
  const widths = sizeColumns(CGROUP_COLS, width);
  const names = new Map(s.containers.map((c) => [c.Id, containerName(c)]));
  const samples = Object.values(s.stats).sort((a, b) => (names.get(a.containerId) ?? a.name).localeCompare(names.get(b.containerId) ?? b.name));
  const f = s.filter.trim().toLowerCase();
  const rows = samples
    .filter((x) => !f || (names.get(x.containerId) ?? x.name).toLowerCase().includes(f))
    .map((x): Row => {
      const h = s.history[x.containerId] ?? { cpu: [], memory: [] };
      const cells = [
        names.get(x.containerId) ?? x.name,
        percent(x.cpuPercent),
        sparkline(h.cpu, widths[2] ?? 0, Math.max(100, ...h.cpu)),
        memoryOf(x.memoryBytes, x.memoryLimitBytes),
        sparkline(h.memory, widths[4] ?? 0, x.memoryLimitBytes || undefined),
        x.pidsLimit ? `${x.pids}/${x.pidsLimit}` : String(x.pids),
        `${bytes(x.ioReadBytes)}/${bytes(x.ioWriteBytes)}`,
      ];
      return { key: x.containerId, text: row(cells, CGROUP_COLS, widths), tone: 'normal' };
    });
  return { header: header(CGROUP_COLS, widths), rows };
}

/** What the numbers mean, in one line: the question users ask most. */
export function cgroupCaption(s: UiState): string {
  const any = Object.values(s.stats)[0];
  const cpus = any?.onlineCpus;
  const v = any?.cgroupVersion ?? '';
  return `CPU% of one core (100% = 1 core${cpus ? `, ${cpus} online` : ''}); memory ${v ? `cgroup ${v} ` : ''}usage/limit, K/M/G = KiB/MiB/GiB`;
}
