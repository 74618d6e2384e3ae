// The event exchange (containerd core/events): publishers hand a topic and a
// payload, subscribers get envelopes filtered by topic prefix.  A bounded
// in-memory history lets a subscriber that connects late (e.g. just after a
// restart, when recovery published the exits that happened while the daemon
// was down) replay events since a time before it gets live ones.
import type { Envelope } from '../api-types.ts';

export type Publish = (topic: string, payload: object) => void;

export interface Subscription extends AsyncIterable<Envelope> {
  close(): void;
}

const HISTORY_MAX = 10_000;
/** Per subscriber: past this many undelivered envelopes the subscriber is cut off (a slow reader must not grow us without bound). */
const QUEUE_MAX = 50_000;

/** RFC 3339 with nanosecond digits, as containerd prints times. */
export function rfc3339Nano(ms: number = Date.now(), extraNs = 0): string {
  const iso = new Date(ms).toISOString(); // ...T..:..:..mmmZ
  const frac = String((ms % 1000) * 1_000_000 + extraNs).padStart(9, '0');
  return `${iso.slice(0, 19)}.${frac}Z`;
}

interface Subscriber {
  filters: string[];
  queue: Envelope[];
  wake: (() => void) | undefined;
  closed: boolean;
}

export class EventExchange {
  private readonly history: { ms: number; env: Envelope }[] = [];
  private readonly subscribers = new Set<Subscriber>();
  private seq = 0;

  readonly publish: Publish = (topic, payload) => {
    const ms = Date.now();
    const env: Envelope = { timestamp: rfc3339Nano(ms), topic, payload: JSON.stringify(payload), seq: ++this.seq };
    this.history.push({ ms, env });
    if (this.history.length > HISTORY_MAX) this.history.splice(0, this.history.length - HISTORY_MAX);
    for (const s of this.subscribers) this.deliver(s, env);
  };

  /** Live events matching the filters; with `since`, history from then first (no gap, no duplicate). */
  subscribe(filters: string[] = [], since?: number, signal?: AbortSignal): Subscription {
    const sub: Subscriber = { filters, queue: [], wake: undefined, closed: false };
    // Registration and the history copy happen in one synchronous step, so
    // nothing published in between is missed or seen twice.
    if (since !== undefined) for (const h of this.history) if (h.ms >= since && matches(filters, h.env.topic)) sub.queue.push(h.env);
    this.subscribers.add(sub);
    const close = () => {
      sub.closed = true;
      this.subscribers.delete(sub);
      sub.wake?.();
    };
    signal?.addEventListener('abort', close, { once: true });
    const iterator = async function* (): AsyncGenerator<Envelope> {
      try {
        for (;;) {
          while (sub.queue.length > 0) {
            const env = sub.queue.shift();
            if (env) yield env;
          }
          if (sub.closed) return;
          await new Promise<void>((resolve) => (sub.wake = resolve));
          sub.wake = undefined;
        }
      } finally {
        close();
      }
    };
    return { [Symbol.asyncIterator]: iterator, close };
  }

  get subscriberCount(): number {
    return this.subscribers.size;
  }

  private deliver(s: Subscriber, env: Envelope): void {
    if (s.closed || !matches(s.filters, env.topic)) return;
    if (s.queue.length >= QUEUE_MAX) {
      s.closed = true;
      this.subscribers.delete(s);
    } else {
      s.queue.push(env);
    }
    s.wake?.();
  }
}

function matches(filters: string[], topic: string): boolean {
  return filters.length === 0 || filters.some((f) => topic.startsWith(f));
}
