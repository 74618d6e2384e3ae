// Each pane declared as data: which feed it shows, its title, its rows and
// captions, computed from the state for the room it has.
import { brailleChart } from '../presentation/charts.ts';
import { percent } from '../presentation/format.ts';
import { cgroupCaption, cgroupRows, containerName, containerRows, eventRows, filterContainers, requestRows, shimCaption, shimRows } from '../presentation/panes.ts';
import { feedProblem, feedStatus } from '../presentation/status.ts';
import { traceRows, traceSummary } from '../presentation/trace.ts';
import type { PaneId, UiState } from '../store/state.ts';
import type { ListPaneProps } from './ListPane.ts';

export const TITLES: Record<PaneId, string> = {
  containers: 'containers',
  requests: 'stratad requests',
  events: 'lifecycle events',
  shims: 'shims',
  cgroups: 'cgroups',
  trace: 'trace',
};

export function paneProps(id: PaneId, s: UiState, width: number, height: number, now = Date.now()): Omit<ListPaneProps, 'tabs'> {
  const inner = Math.max(1, width - 2);
  const active = s.focus === id;
  const base = { title: TITLES[id], active, width, height, selected: s.selected[id] };
  switch (id) {
    case 'containers': {
      const running = s.containers.filter((c) => c.State === 'running').length;
      return {
        ...base,
        title: `containers ${running}/${s.containers.length} running${s.filter ? ` · filter "${s.filter}"` : ''}`,
        status: feedStatus(s.feeds.api, now),
        problem: s.feeds.api.status === 'down' ? `stratad: ${s.feeds.api.error ?? 'unreachable'}` : undefined,
        rows: containerRows(s, inner, now),
        empty: s.feeds.api.status === 'live' ? 'no containers: press r to run one' : 'waiting for the daemon…',
      };
    }
    case 'requests':
      return { ...base, status: feedStatus(s.feeds.requests, now), problem: feedProblem(s.feeds.requests, 'the request log'), rows: requestRows(s.requests, inner, s.filter), empty: 'no API call yet' };
    case 'events':
      return {
        ...base,
        status: feedStatus(s.feeds.lifecycle, now),
        problem: feedProblem(s.feeds.lifecycle, "strata-lifecycled's events"),
        rows: eventRows(s.events, inner, s.filter),
        empty: 'no lifecycle event yet',
      };
    case 'shims':
      return {
        ...base,
        status: feedStatus(s.feeds.shims, now),
        problem: feedProblem(s.feeds.shims, 'the shim list'),
        captions: s.feeds.shims.status === 'unsupported' ? [] : [shimCaption(s.shims, s.engine.daemonPid)],
        rows: shimRows(s.shims, inner, now),
        empty: 'no shim: no container is running',
      };
    case 'cgroups': {
      const selected = filterContainers(s.containers, s.filter)[s.selected.containers];
      const h = selected ? s.history[selected.Id] : undefined;
      const chartWidth = Math.max(10, inner - 16);
      const chart = h && h.cpu.length > 0 ? brailleChart(h.cpu, chartWidth, 3, Math.max(100, ...h.cpu)).map((l, i) => `${i === 0 ? fitLabel(`${containerName(selected!)}`, 14) : i === 1 ? fitLabel(`CPU ${percent(h.cpu[h.cpu.length - 1])}`, 14) : fitLabel('100%=1 core', 14)} ${l}`) : undefined;
      return {
        ...base,
        status: feedStatus(s.feeds.stats, now),
        problem: feedProblem(s.feeds.stats, 'cgroup usage'),
        captions: [cgroupCaption(s)],
        rows: cgroupRows(s, inner),
        empty: 'no running container',
        footer: chart,
      };
    }
    case 'trace':
      return {
        ...base,
        title: `trace · ${s.traceSource}`,
        status: feedStatus(s.feeds.traces, now),
        problem: feedProblem(s.feeds.traces, 'the trace'),
        captions: [traceSummary(s.trace)],
        rows: traceRows(s.trace, inner),
        empty: 'run a container (r), or pick a request and press enter',
      };
  }
}

function fitLabel(t: string, w: number): string {
  return t.length > w ? `${t.slice(0, w - 1)}…` : t.padEnd(w);
}
