// The wire types of stratad's own endpoints (STRATA-API.md beside this file):
// what stratad writes and what clients (src/client/strata.ts, the workbench)
// read.  Types only: importing them ties no code of one layer to the other.

/** GET /strata/requests: one finished API call. */
export interface RequestRecord {
  id: number;
  /** RFC 3339 start time. */
  time: string;
  uid: number | null;
  pid: number | null;
  method: string;
  path: string;
  status: number;
  latencyMs: number;
  /** Response bytes written (body and headers). */
  bytes: number;
  /** The trace the call belongs to; null for untraced polling (/strata/..., /_ping). */
  traceId?: string | null;
}

/** GET /strata/lifecycle/events: one strata-lifecycled event, or a connection marker. */
export interface LifecycleEvent {
  timestamp?: string;
  namespace?: string;
  topic: string;
  payload?: Record<string, unknown>;
  /** Only on /strata/lifecycle-disconnected. */
  error?: string;
}

/** GET /strata/shims: one running shim. */
export interface ShimInfo {
  containerId: string;
  name: string;
  shimPid: number;
  shimPpid: number;
  initPid: number;
  rssBytes: number;
  startedAt: string;
  daemonPid: number;
}

/** GET /strata/stats: one container's cgroup usage at one time. */
export interface StatsSample {
  time: string;
  containerId: string;
  name: string;
  cgroupVersion: string;
  cpuUsageNs: number;
  /** Of one core: 100 = one full core. */
  cpuPercent: number;
  onlineCpus: number;
  memoryBytes: number;
  /** 0 = unlimited. */
  memoryLimitBytes: number;
  pids: number;
  pidsLimit: number;
  ioReadBytes: number;
  ioWriteBytes: number;
}

export type Layer = 'client' | 'stratad' | 'strata-lifecycled' | 'strata-shim' | 'strata-runtime';

/** One step of a trace. */
export interface Span {
  spanId: string;
  parentId: string | null;
  layer: Layer;
  name: string;
  /** Unix milliseconds, fractional. */
  start: number;
  durationMs: number;
  attrs?: Record<string, unknown>;
}

/** GET /strata/traces/{id}. */
export interface Trace {
  id: string;
  name: string;
  start: number;
  spans: Span[];
}
