// Pure state changes for what the feeds receive, so a recorded stream can be
// replayed into a state in unit tests without a daemon.
import type { LifecycleEvent, RequestRecord, StatsSample } from '../../client/strata.ts';
import { HISTORY, RING, type FeedName, type FeedState, type History, type UiState } from './state.ts';

const keep = <T>(list: T[], max = RING): T[] => (list.length > max ? list.slice(list.length - max) : list);

export function setFeed(s: UiState, name: FeedName, status: FeedState['status'], error?: string): Partial<UiState> {
  const prev = s.feeds[name];
  if (prev.status === status && prev.error === error) return {};
  return { feeds: { ...s.feeds, [name]: { status, error, since: Date.now() } } };
}

/** Records arrive again when the stream reconnects (the ring is replayed): keep each once. */
export function addRequests(s: UiState, recs: RequestRecord[]): Partial<UiState> {
  const seen = new Set(s.requests.map((r) => (r.kind === 'request' ? `${r.id}@${r.time}` : '')));
  const fresh = recs.filter((r) => !seen.has(`${r.id}@${r.time}`)).map((r) => ({ kind: 'request' as const, ...r }));
  if (fresh.length === 0) return {};
  return { requests: keep([...s.requests, ...fresh]) };
}

export function addMarker(s: UiState, text: string): Partial<UiState> {
  return { requests: keep([...s.requests, { kind: 'marker', time: new Date().toISOString(), text }]) };
}

let seq = 0;
export function addEvents(s: UiState, evs: LifecycleEvent[]): Partial<UiState> {
  const seen = new Set(s.events.map((e) => `${e.timestamp}|${e.topic}|${JSON.stringify(e.payload ?? {})}`));
  const fresh = evs.filter((e) => e.topic.startsWith('/strata/') || !seen.has(`${e.timestamp}|${e.topic}|${JSON.stringify(e.payload ?? {})}`)).map((e) => ({ ...e, seq: ++seq }));
  if (fresh.length === 0) return {};
  return { events: keep([...s.events, ...fresh]) };
}

/** One tick's samples: the latest per container, each appended to its history (at most HISTORY points). */
export function addStats(s: UiState, samples: StatsSample[]): Partial<UiState> {
  if (samples.length === 0) return {};
  const stats = { ...s.stats };
  const history: Record<string, History> = { ...s.history };
  for (const x of samples) {
    stats[x.containerId] = x;
    const h = history[x.containerId] ?? { cpu: [], memory: [] };
    history[x.containerId] = { cpu: keep([...h.cpu, x.cpuPercent], HISTORY), memory: keep([...h.memory, x.memoryBytes], HISTORY) };
  }
  return { stats, history };
}

/** Drop stats of containers that are gone (no longer running). */
export function pruneStats(s: UiState, running: Set<string>): Partial<UiState> {
  const ids = Object.keys(s.stats).filter((id) => !running.has(id));
  if (ids.length === 0) return {};
  const stats = { ...s.stats };
  const history = { ...s.history };
  for (const id of ids) {
    delete stats[id];
    delete history[id];
  }
  return { stats, history };
}
