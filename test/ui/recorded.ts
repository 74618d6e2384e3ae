// A workbench state replayed from streams recorded from a real engine
// (test/ui/fixtures: stratad's request log, lifecycled's events, cgroup
// stats, shims, the container list, and the trace of a `strata run`, taken
// after `docker run`, `docker exec`, `docker stop` and `strata run -d`)
// through the same reducers the live feeds use.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { LifecycleEvent, RequestRecord, ShimInfo, StatsSample, Trace } from '../../src/client/strata.ts';
import type { ContainerSummary } from '../../src/client/types.ts';
import { addEvents, addRequests, addStats, pruneStats, setFeed } from '../../src/ui/store/reduce.ts';
import { initialState, type FeedName, type UiState } from '../../src/ui/store/state.ts';

const dir = join(import.meta.dirname, 'fixtures');
const lines = <T>(f: string): T[] => readFileSync(join(dir, f), 'utf8').split('\n').filter((l) => l.trim()).map((l) => JSON.parse(l) as T);
const json = <T>(f: string): T => JSON.parse(readFileSync(join(dir, f), 'utf8')) as T;

export const recorded = {
  requests: () => lines<RequestRecord>('requests.ndjson'),
  events: () => lines<LifecycleEvent>('events.ndjson'),
  stats: () => lines<StatsSample>('stats.ndjson'),
  shims: () => json<ShimInfo[]>('shims.json'),
  containers: () => json<ContainerSummary[]>('containers.json'),
  trace: () => json<Trace>('trace.json'),
};

/** Every feed live, every stream replayed. */
export function recordedState(cols = 120, rows = 40): UiState {
  let s: UiState = { ...initialState('unix:///tmp/test.sock'), size: { cols, rows } };
  const apply = (p: Partial<UiState>) => (s = { ...s, ...p });
  for (const f of ['api', 'requests', 'lifecycle', 'stats', 'shims', 'traces'] as FeedName[]) apply(setFeed(s, f, 'live'));
  apply({ containers: recorded.containers(), shims: recorded.shims(), trace: recorded.trace(), engine: { kind: 'strata', version: '0.1.0', daemonPid: 31290 } });
  apply(addRequests(s, recorded.requests()));
  apply(addEvents(s, recorded.events()));
  // One batch per second, as the 1 Hz tick folds them in.
  const bySecond = new Map<string, StatsSample[]>();
  for (const x of recorded.stats()) bySecond.set(x.time.slice(0, 19), [...(bySecond.get(x.time.slice(0, 19)) ?? []), x]);
  for (const batch of bySecond.values()) apply(addStats(s, batch));
  // As the live feed does on each container list: stats only for running containers.
  apply(pruneStats(s, new Set(s.containers.filter((c) => c.State === 'running').map((c) => c.Id))));
  return s;
}

/** Strip SGR so assertions read the text. */
export const plain = (s: string): string => s.replace(/\x1b\[[0-9;]*m/g, '');
