// What the workbench shows, as one plain object the store replaces on each
// change (panes read it through useSyncExternalStore). Feeds say where each
// piece comes from and whether it is live, down or not offered (a dockerd).
import type { ContainerSummary } from '../../client/types.ts';
import type { LifecycleEvent, RequestRecord, ShimInfo, StatsSample, Trace } from '../../client/strata.ts';

export type FeedName = 'api' | 'requests' | 'lifecycle' | 'stats' | 'shims' | 'traces';

export interface FeedState {
  status: 'connecting' | 'live' | 'down' | 'unsupported';
  /** Why it is down, as the layer said it. */
  error?: string;
  /** ms epoch of the last change of status. */
  since: number;
}

export type PaneId = 'containers' | 'requests' | 'events' | 'shims' | 'cgroups' | 'trace';
export const PANES: PaneId[] = ['containers', 'requests', 'events', 'shims', 'cgroups', 'trace'];

/** One row of the requests pane: a record, or a marker where stratad went away and came back. */
export type RequestRow = ({ kind: 'request' } & RequestRecord) | { kind: 'marker'; time: string; text: string };
export type EventRow = LifecycleEvent & { seq: number };

export interface History {
  cpu: number[];
  memory: number[];
}

export type Mode =
  | { kind: 'normal' }
  | { kind: 'filter'; text: string }
  | { kind: 'help' }
  | { kind: 'confirm'; question: string; action: 'remove'; id: string }
  | { kind: 'form'; fields: FormField[]; focus: number; error?: string }
  | { kind: 'inspect'; title: string; lines: string[]; scroll: number }
  | { kind: 'tour'; step: number };

export interface FormField {
  key: 'image' | 'command' | 'name' | 'options';
  label: string;
  value: string;
}

export interface UiState {
  host: string;
  /** What answers at host: stratad, a dockerd (no /strata/ endpoints), or not known yet. */
  engine: { kind: 'strata' | 'docker' | 'unknown'; version?: string; daemonPid?: number };
  feeds: Record<FeedName, FeedState>;
  containers: ContainerSummary[];
  requests: RequestRow[];
  events: EventRow[];
  shims: ShimInfo[];
  stats: Record<string, StatsSample>;
  history: Record<string, History>;
  trace: Trace | undefined;
  /** Which trace the pane follows: the selected request's, or the last run's. */
  traceSource: string;
  focus: PaneId;
  /** The layer pane shown under the containers when the screen is small. */
  detail: PaneId;
  /** Terminal size (frame is rows - 1 high). */
  size: { cols: number; rows: number };
  /** Selected row per pane (index into the pane's filtered rows; -1 follows the newest). */
  selected: Record<PaneId, number>;
  filter: string;
  mode: Mode;
  /** One status line: what just happened (or failed, naming the layer). */
  notice: { text: string; level: 'info' | 'error' } | undefined;
}

export const HISTORY = 60;
export const RING = 200;

export function initialState(host: string): UiState {
  const now = Date.now();
  const feed = (): FeedState => ({ status: 'connecting', since: now });
  return {
    host,
    engine: { kind: 'unknown' },
    feeds: { api: feed(), requests: feed(), lifecycle: feed(), stats: feed(), shims: feed(), traces: feed() },
    containers: [],
    requests: [],
    events: [],
    shims: [],
    stats: {},
    history: {},
    trace: undefined,
    traceSource: 'last run',
    focus: 'containers',
    detail: 'requests',
    size: { cols: 80, rows: 24 },
    selected: { containers: 0, requests: -1, events: -1, shims: 0, cgroups: 0, trace: 0 },
    filter: '',
    mode: { kind: 'normal' },
    notice: undefined,
  };
}
