// The trace a gRPC call carries (metadata `strata-trace-id`, optionally
// `strata-parent-span`), kept for the call's async work, and lifecycled's
// spans recorded under it.
import { AsyncLocalStorage } from 'node:async_hooks';

import { wallNowMs } from '../../trace-clock.ts';
import { lifecycleTraces } from './store.ts';
import { newSpanId, TRACE_ID } from './span.ts';

export interface TraceContext {
  traceId: string;
  /** The span new spans hang under. */
  spanId: string;
}

const current = new AsyncLocalStorage<TraceContext>();

export const TRACE_METADATA = 'strata-trace-id';
export const PARENT_METADATA = 'strata-parent-span';

export function currentTrace(): TraceContext | undefined {
  return current.getStore();
}

/** Run fn as span `name` of the current trace (just fn when there is none). */
export async function traced<T>(name: string, fn: (ctx: TraceContext | undefined) => Promise<T>, attrs?: () => Record<string, unknown>): Promise<T> {
  const parent = current.getStore();
  if (!parent) return fn(undefined);
  return record(parent.traceId, parent.spanId, name, fn, attrs);
}

async function record<T>(traceId: string, parentId: string, name: string, fn: (ctx: TraceContext) => Promise<T>, attrs?: () => Record<string, unknown>): Promise<T> {
  const ctx = { traceId, spanId: newSpanId() };
  const t0 = performance.now();
  const start = wallNowMs();
  let error: string | undefined;
  try {
    return await current.run(ctx, () => fn(ctx));
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    throw e;
  } finally {
    const extra = { ...(attrs?.() ?? {}), ...(error ? { error } : {}) };
    lifecycleTraces.add({
      trace_id: traceId, span_id: ctx.spanId, parent_id: parentId, layer: 'strata-lifecycled', name,
      start_ms: start, duration_ms: performance.now() - t0, attrs: Object.keys(extra).length ? JSON.stringify(extra) : '',
    });
  }
}

/** A gRPC call: traced when its metadata names a trace, as span `name`. */
export function fromMetadata<T>(get: (key: string) => string | undefined, name: string, fn: () => Promise<T>): Promise<T> {
  const id = get(TRACE_METADATA);
  if (!id || !TRACE_ID.test(id)) return fn();
  const parent = get(PARENT_METADATA) ?? '';
  return record(id.toLowerCase(), /^[0-9a-zA-Z]{1,32}$/.test(parent) ? parent : '', name, () => fn());
}
