// The trace of one API call: the X-Strata-Trace header's id (or a new one),
// stratad's span for the handler (under the caller's X-Strata-Parent-Span if
// it sent one) and one span per gRPC call the handler makes to lifecycled,
// which gets the trace as metadata (strata-trace-id, strata-parent-span).
import * as grpc from '@grpc/grpc-js';
import { performance } from 'node:perf_hooks';

import { callWrapper, type CallWrapper } from '../../lifecycle/client.ts';
import { wallNowMs } from '../../trace-clock.ts';
import { newSpanId, newTraceId, traces } from './store.ts';
import { SPAN_ID, TRACE_ID, type Span } from './types.ts';

export const TRACE_HEADER = 'x-strata-trace';
export const PARENT_HEADER = 'x-strata-parent-span';

export interface RequestTrace {
  id: string;
  /** Run the handler as stratad's span; status() is read when it ends. */
  run(fn: () => Promise<void>, status: () => number): Promise<void>;
}

function header(v: string | string[] | undefined): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/** Spans [start, end) timed on the monotonic clock, stamped with the wall clock. */
function timer(): () => { start: number; durationMs: number } {
  const t0 = performance.now();
  const wall = wallNowMs();
  return () => ({ start: wall, durationMs: performance.now() - t0 });
}

/** The trace and span each wrapper stands for (what step() hangs its spans under). */
const wrapperSpan = new WeakMap<CallWrapper, { traceId: string; spanId: string }>();

function grpcWrapper(traceId: string, parentId: string): CallWrapper {
  const wrapper: CallWrapper = async (call, run) => {
    const spanId = newSpanId();
    const md = new grpc.Metadata();
    md.set('strata-trace-id', traceId);
    md.set('strata-parent-span', spanId);
    const done = timer();
    let error: string | undefined;
    try {
      return await run(md);
    } catch (e) {
      error = e instanceof Error ? e.message : String(e);
      throw e;
    } finally {
      traces.add(traceId, { spanId, parentId, layer: 'stratad', name: `grpc ${call}`, ...done(), ...(error ? { attrs: { error } } : {}) });
    }
  };
  wrapperSpan.set(wrapper, { traceId, spanId: parentId });
  return wrapper;
}

/**
 * One step of stratad's own work inside the current trace (a span under the
 * request's; gRPC calls made inside it nest under it).  Outside a trace it
 * just runs fn.
 */
export async function step<T>(name: string, fn: () => Promise<T> | T): Promise<T> {
  const outer = callWrapper.getStore();
  const ctx = outer && wrapperSpan.get(outer);
  if (!ctx) return fn();
  const spanId = newSpanId();
  const done = timer();
  let error: string | undefined;
  try {
    return await callWrapper.run(grpcWrapper(ctx.traceId, spanId), fn);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    throw e;
  } finally {
    traces.add(ctx.traceId, { spanId, parentId: ctx.spanId, layer: 'stratad', name, ...done(), ...(error ? { attrs: { error } } : {}) });
  }
}

/**
 * The trace of a request, or undefined for the workbench's own polling
 * (/strata/..., /_ping) when it sent no header: those would flood the ring.
 */
export function requestTrace(headers: Record<string, string | string[] | undefined>, method: string, path: string): RequestTrace | undefined {
  const given = header(headers[TRACE_HEADER]);
  const id = given && TRACE_ID.test(given) ? given.toLowerCase() : undefined;
  if (!id && (path.startsWith('/strata/') || path === '/_ping')) return undefined;
  const traceId = id ?? newTraceId();
  const parent = header(headers[PARENT_HEADER]);
  const name = `${method} ${path}`;
  traces.open(traceId, name, Date.now());
  return {
    id: traceId,
    async run(fn, status) {
      const spanId = newSpanId();
      const done = timer();
      let error: string | undefined;
      try {
        await callWrapper.run(grpcWrapper(traceId, spanId), fn);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
        throw e;
      } finally {
        const span: Span = {
          spanId, parentId: parent && SPAN_ID.test(parent) ? parent : null, layer: 'stratad', name, ...done(),
          attrs: error ? { error } : { status: status() },
        };
        traces.add(traceId, span);
      }
    },
  };
}

/** Work that must not join the current request's trace (pollers, streams started on first use). */
export function untraced<T>(fn: () => T): T {
  return callWrapper.exit(fn);
}

/**
 * Work stratad does on its own (a restart policy's start, an auto-remove):
 * a trace of its own, so the workbench and `GET /strata/traces` show where
 * that time goes too.
 */
export async function backgroundTrace<T>(name: string, fn: () => Promise<T>): Promise<T> {
  const traceId = newTraceId();
  traces.open(traceId, name, Date.now());
  const spanId = newSpanId();
  const done = timer();
  let error: string | undefined;
  try {
    return await callWrapper.run(grpcWrapper(traceId, spanId), fn);
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
    throw e;
  } finally {
    traces.add(traceId, { spanId, parentId: null, layer: 'stratad', name, ...done(), ...(error ? { attrs: { error } } : {}) });
  }
}
