// GET /strata/lifecycle/events: strata-lifecycled's own event stream as
// received (every topic), in a bounded ring for replay, with markers when
// lifecycled goes away and comes back.  One subscription per daemon, made on
// first use; it replays what lifecycled still holds, so nothing before it is
// missed while lifecycled kept it.
import type { Envelope } from '../../lifecycle/api-types.ts';
import type { LifecycleClient } from '../../lifecycle/client.ts';
import { untraced } from '../trace/request.ts';
import type { LifecycleEvent } from '../strata-api.ts';

export type { LifecycleEvent };

export const DISCONNECTED = '/strata/lifecycle-disconnected';
export const CONNECTED = '/strata/lifecycle-connected';
const RING = 1000;
const RETRY_MS = 500;

function payloadOf(text: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

export class LifecycleEventFeed {
  private readonly ring: LifecycleEvent[] = [];
  private readonly followers = new Set<(e: LifecycleEvent) => void>();

  /** alive(): false once the daemon that made this feed has stopped. */
  constructor(private readonly client: LifecycleClient, private readonly alive: () => boolean) {
    untraced(() => void this.run());
  }

  list(): LifecycleEvent[] {
    return [...this.ring];
  }

  /** What the ring holds, then live events; one synchronous step so nothing falls between. */
  follow(f: (e: LifecycleEvent) => void): () => void {
    for (const e of this.ring) f(e);
    this.followers.add(f);
    return () => this.followers.delete(f);
  }

  private push(e: LifecycleEvent): void {
    this.ring.push(e);
    if (this.ring.length > RING) this.ring.splice(0, this.ring.length - RING);
    for (const f of this.followers) f(e);
  }

  private async run(): Promise<void> {
    let since = 0; // first time: all of lifecycled's history
    let last = { ts: '', seq: -1 };
    let down: string | undefined;
    while (this.alive()) {
      try {
        await this.client.version();
        if (down !== undefined) this.push({ topic: CONNECTED });
        down = undefined;
        for await (const env of this.client.events.subscribe([], since)) {
          if (!this.alive()) return;
          if (env.timestamp < last.ts || (env.timestamp === last.ts && env.seq <= last.seq)) continue;
          last = { ts: env.timestamp, seq: env.seq };
          since = Date.parse(`${env.timestamp.slice(0, 23)}Z`) || since;
          this.push(this.forward(env));
        }
        throw new Error('the event stream ended');
      } catch (e) {
        if (!this.alive()) return;
        if (down === undefined) {
          down = e instanceof Error ? e.message : String(e);
          this.push({ topic: DISCONNECTED, error: down });
          // A restarted lifecycled numbers its events afresh.
          last = { ts: last.ts, seq: -1 };
        }
      }
      await new Promise((r) => setTimeout(r, RETRY_MS));
    }
  }

  private forward(env: Envelope): LifecycleEvent {
    return { timestamp: env.timestamp, namespace: 'strata', topic: env.topic, payload: payloadOf(env.payload) };
  }
}

const feeds = new WeakMap<LifecycleClient, LifecycleEventFeed>();

export function lifecycleFeed(client: LifecycleClient, alive: () => boolean): LifecycleEventFeed {
  let f = feeds.get(client);
  if (!f) {
    f = new LifecycleEventFeed(client, alive);
    feeds.set(client, f);
  }
  return f;
}
