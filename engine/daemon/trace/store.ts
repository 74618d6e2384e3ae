// stratad's traces: the spans it recorded and the ones clients posted, for the
// last MAX_TRACES traces (oldest dropped first).  lifecycled keeps its own
// (and its shims' and runtimes'); GET /strata/traces merges them in.
import { randomBytes } from 'node:crypto';

import type { Span, Trace } from './types.ts';

export const MAX_TRACES = 200;
const MAX_SPANS = 2000;

export function newTraceId(): string {
  return randomBytes(16).toString('hex');
}

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

export class TraceStore {
  private readonly traces = new Map<string, Trace>();

  /** The trace with this id, made (named `name`) when new. */
  open(id: string, name: string, start: number): Trace {
    let t = this.traces.get(id);
    if (!t) {
      t = { id, name, start, spans: [] };
      this.traces.set(id, t);
      if (this.traces.size > MAX_TRACES) {
        const oldest = this.traces.keys().next().value;
        if (oldest !== undefined) this.traces.delete(oldest);
      }
    }
    return t;
  }

  add(id: string, span: Span): void {
    const t = this.open(id, span.name, span.start);
    if (t.spans.length >= MAX_SPANS || t.spans.some((s) => s.spanId === span.spanId)) return;
    t.spans.push(span);
    // A client's top span names the trace ("run") and may start before our first.
    if (span.layer === 'client' && span.parentId === null) t.name = span.name;
    if (span.start < t.start) t.start = span.start;
  }

  get(id: string): Trace | undefined {
    return this.traces.get(id.toLowerCase());
  }

  /** Newest first. */
  list(limit = MAX_TRACES): Trace[] {
    return [...this.traces.values()].reverse().slice(0, limit);
  }
}

/** stratad's one store (one daemon per process). */
export const traces = new TraceStore();
