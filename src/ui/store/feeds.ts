// The streams that feed the store, each in its own reconnecting loop:
//   Engine API  GET /events                  -> container list refreshes
//   stratad     GET /strata/requests?follow  -> requests pane
//               GET /strata/lifecycle/events -> events pane (lifecycled's own)
//               GET /strata/stats?follow     -> cgroup pane, CPU/MEM columns
//               GET /strata/shims, /traces   -> on events, and shims each 5 s
// No polling beyond one 1 Hz tick that folds the stats samples in. A 404 from
// /strata/ means the daemon is not strata (a dockerd): that feed says so and
// stops; the rest carry on. When stratad goes away every loop retries with a
// short backoff, and the reconnect reports which containers survived.
import type { Client } from '../../client/client.ts';
import { ConnectionError } from '../../client/errors.ts';
import { NotStrataError, type StatsSample, type StrataApi, type Trace } from '../../client/strata.ts';
import { layout } from '../presentation/layout.ts';
import { addEvents, addMarker, addRequests, addStats, pruneStats, setFeed } from './reduce.ts';
import type { FeedName } from './state.ts';
import type { Store } from './store.ts';

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(t);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

export function errorText(e: unknown): string {
  if (e instanceof ConnectionError) return `cannot reach the daemon at ${e.host} (${e.code})`;
  // Node's words for a response cut short: the daemon closed the connection (it stopped).
  if (e instanceof Error && (e.message === 'aborted' || (e as NodeJS.ErrnoException).code === 'ECONNRESET')) return 'the daemon closed the connection';
  return e instanceof Error ? e.message : String(e);
}

export class Feeds {
  private readonly abort = new AbortController();
  private pendingStats: StatsSample[] = [];
  private tick: NodeJS.Timeout | undefined;
  private ticks = 0;
  private timers = new Map<string, NodeJS.Timeout>();
  /** Running containers when stratad went away, to count survivors on its return. */
  private runningAtLoss: Set<string> | undefined;
  private lostAt = 0;

  constructor(
    private readonly store: Store,
    private readonly client: Client,
    private readonly strata: StrataApi,
  ) {}

  start(): void {
    const signal = this.abort.signal;
    void this.loop('api', signal, async (conn) => {
      const events = this.client.system.events({ signal: conn });
      await this.onApiUp();
      for await (const ev of events) {
        if (ev.Type === 'container') this.later('containers', 100, () => this.refreshContainers());
      }
    });
    void this.loop('requests', signal, async (conn) => {
      const stream = await this.strata.requests({ signal: conn });
      this.live('requests');
      for await (const r of stream) {
        this.store.update((s) => addRequests(s, [r]));
        if (r.method === 'POST' && /\/containers\/[^/]+\/start$/.test(r.path)) this.later('trace', 400, () => this.refreshTrace());
      }
    });
    void this.loop('lifecycle', signal, async (conn) => {
      const stream = await this.strata.lifecycleEvents({ signal: conn });
      this.live('lifecycle');
      for await (const ev of stream) {
        if (ev.topic === '/strata/lifecycle-disconnected') this.store.update((s) => ({ ...setFeed(s, 'lifecycle', 'down', `strata-lifecycled: ${ev.error ?? 'unreachable'}`), ...addEvents(s, [ev]) }));
        else if (ev.topic === '/strata/lifecycle-connected') this.store.update((s) => ({ ...setFeed(s, 'lifecycle', 'live'), ...addEvents(s, [ev]) }));
        else this.store.update((s) => addEvents(s, [ev]));
        if (ev.topic.startsWith('/tasks/')) this.later('shims', 150, () => this.refreshShims());
      }
    });
    void this.loop('stats', signal, async (conn) => {
      const stream = await this.strata.stats({ signal: conn });
      this.live('stats');
      for await (const x of stream) this.pendingStats.push(x);
    });
    this.tick = setInterval(() => this.onTick(), 1000);
  }

  stop(): void {
    this.abort.abort();
    if (this.tick) clearInterval(this.tick);
    for (const t of this.timers.values()) clearTimeout(t);
    this.timers.clear();
  }

  /** Refresh what has no stream, now (after an action of ours). */
  refreshSoon(): void {
    this.later('containers', 50, () => this.refreshContainers());
    this.later('shims', 150, () => this.refreshShims());
  }

  /** Follow one trace (a selected request's) or, with undefined, the last run. */
  async showTrace(id: string | undefined): Promise<void> {
    if (this.store.state.feeds.traces.status === 'unsupported') return;
    if (id === undefined) {
      this.store.update({ traceSource: 'last run' });
      await this.refreshTrace();
      return;
    }
    try {
      const trace = await this.strata.trace(id);
      this.store.update((s) => ({ trace, traceSource: `request ${id.slice(0, 8)}`, ...setFeed(s, 'traces', 'live') }));
    } catch (e) {
      this.store.update((s) => ({ trace: undefined, traceSource: `request ${id.slice(0, 8)}: ${errorText(e)}` }));
    }
  }

  async refreshTrace(): Promise<void> {
    if (this.store.state.traceSource !== 'last run') return;
    try {
      const traces = await this.strata.traces({ limit: 20 });
      this.store.update((s) => ({ trace: pickLastRun(traces) ?? s.trace, ...setFeed(s, 'traces', 'live') }));
    } catch (e) {
      this.store.update((s) => setFeed(s, 'traces', e instanceof NotStrataError ? 'unsupported' : 'down', e instanceof NotStrataError ? '/strata/traces' : errorText(e)));
    }
  }

  private async loop(name: FeedName, signal: AbortSignal, body: (conn: AbortSignal) => Promise<void>): Promise<void> {
    let backoff = 200;
    while (!signal.aborted) {
      this.store.update((s) => (s.feeds[name].status === 'down' ? {} : setFeed(s, name, 'connecting')));
      // One signal per connection: what a stream hangs on it goes away with it
      // (a listener per reconnect on the long-lived signal would pile up).
      const conn = new AbortController();
      const cut = () => conn.abort();
      signal.addEventListener('abort', cut, { once: true });
      try {
        // The body marks its feed live once its request is answered; it returns when the stream ends.
        await body(conn.signal);
        if (signal.aborted) return;
        this.down(name, 'the stream ended (daemon stopping?)');
      } catch (e) {
        if (signal.aborted) return;
        if (e instanceof NotStrataError) {
          if (name === 'requests') this.store.update((s) => ({ engine: { ...s.engine, kind: 'docker' } }));
          this.store.update((s) => setFeed(s, name, 'unsupported', e.request.replace(/^GET /, '')));
          // Ask again only when the daemon itself comes back (it may be a newer stratad then).
          await this.nextApiUp(signal);
          continue;
        }
        const wasLive = this.store.state.feeds[name].status === 'live';
        this.down(name, errorText(e));
        backoff = wasLive ? 200 : Math.min(backoff * 2, 2000);
      } finally {
        signal.removeEventListener('abort', cut);
        conn.abort();
      }
      await sleep(backoff, signal);
    }
  }

  private apiUpWaiters: (() => void)[] = [];

  private nextApiUp(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        signal.removeEventListener('abort', done);
        resolve();
      };
      this.apiUpWaiters.push(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  private live(name: FeedName): void {
    this.store.update((s) => setFeed(s, name, 'live'));
    if (name === 'requests' || name === 'stats') this.store.update((s) => ({ engine: { ...s.engine, kind: 'strata' } }));
  }

  private down(name: FeedName, error: string): void {
    this.store.update((s) => setFeed(s, name, 'down', error));
    if (name === 'api' && this.runningAtLoss === undefined) {
      this.runningAtLoss = new Set(this.store.state.containers.filter((c) => c.State === 'running').map((c) => c.Id));
      this.lostAt = Date.now();
      this.store.update((s) => ({ ...addMarker(s, `stratad went away: ${error}`), notice: { level: 'error', text: `stratad: ${error}; reconnecting…` } }));
    }
  }

  private async onApiUp(): Promise<void> {
    const v = await this.client.system.version();
    this.store.update((s) => ({ ...setFeed(s, 'api', 'live'), engine: { ...s.engine, version: v.Version } }));
    // A daemon that came back may have what the last one lacked: ask again.
    for (const w of this.apiUpWaiters.splice(0)) w();
    for (const f of ['shims', 'traces'] as const) if (this.store.state.feeds[f].status === 'unsupported') this.store.update((s) => setFeed(s, f, 'connecting'));
    await this.refreshContainers();
    await this.refreshShims();
    void this.refreshTrace();
    if (this.runningAtLoss) {
      const before = this.runningAtLoss;
      this.runningAtLoss = undefined;
      const runningNow = new Set(this.store.state.containers.filter((c) => c.State === 'running').map((c) => c.Id));
      const survived = [...before].filter((id) => runningNow.has(id)).length;
      const secs = ((Date.now() - this.lostAt) / 1000).toFixed(1);
      const text = `stratad is back after ${secs} s: ${survived} of ${before.size} running containers survived`;
      this.store.update((s) => ({ ...addMarker(s, text), notice: { level: survived === before.size ? 'info' : 'error', text } }));
    }
  }

  private async refreshContainers(): Promise<void> {
    try {
      const containers = await this.client.containers.list({ all: true });
      containers.sort((a, b) => b.Created - a.Created || a.Id.localeCompare(b.Id));
      const running = new Set(containers.filter((c) => c.State === 'running').map((c) => c.Id));
      this.store.update((s) => ({ containers, ...pruneStats(s, running) }));
    } catch {
      // The api loop reports the daemon down; nothing more to say here.
    }
  }

  private async refreshShims(): Promise<void> {
    if (this.store.state.feeds.shims.status === 'unsupported') return;
    try {
      const shims = await this.strata.shims();
      const daemonPid = shims[0]?.daemonPid;
      this.store.update((s) => ({ shims, ...setFeed(s, 'shims', 'live'), engine: { ...s.engine, kind: 'strata', daemonPid: daemonPid ?? s.engine.daemonPid } }));
    } catch (e) {
      const unsupported = e instanceof NotStrataError;
      this.store.update((s) => setFeed(s, 'shims', unsupported ? 'unsupported' : 'down', unsupported ? '/strata/shims' : errorText(e)));
    }
  }

  private onTick(): void {
    this.ticks++;
    const samples = this.pendingStats;
    this.pendingStats = [];
    if (samples.length > 0) this.store.update((s) => addStats(s, samples));
    // RSS and uptime of the shims change slowly, and the list itself follows
    // the task events: re-read it only while the shims pane is on screen.
    const st = this.store.state;
    if (this.ticks % 5 === 0 && st.feeds.api.status === 'live' && (st.detail === 'shims' || !layout(st.size.cols, st.size.rows, st.detail).tabbed)) void this.refreshShims();
  }

  private later(key: string, ms: number, fn: () => Promise<void>): void {
    if (this.timers.has(key)) return;
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void fn();
      }, ms),
    );
  }
}

/** The last run: the newest trace named "run", else the newest that reached the runtime. */
export function pickLastRun(traces: Trace[]): Trace | undefined {
  return traces.find((t) => t.name === 'run') ?? traces.find((t) => t.spans.some((x) => x.layer === 'strata-runtime')) ?? traces[0];
}
