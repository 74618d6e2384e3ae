// A span as strata-lifecycled keeps it (the Span message of trace.proto), and
// the lines the shim and the runtime append to a task's trace file
// (native/shim/PROTOCOL.md, "Tracing") read into it.
import { randomBytes } from 'node:crypto';

export type NativeLayer = 'strata-lifecycled' | 'strata-shim' | 'strata-runtime';

export interface LcSpan {
  trace_id: string;
  span_id: string;
  parent_id: string;
  layer: NativeLayer;
  name: string;
  start_ms: number;
  duration_ms: number;
  /** JSON object or "". */
  attrs: string;
}

export const TRACE_ID = /^[0-9a-f]{16,32}$/i;
const SPAN_ID = /^[0-9a-zA-Z]{1,32}$/;

export function newSpanId(): string {
  return randomBytes(8).toString('hex');
}

function isNativeLayer(v: unknown): v is 'strata-shim' | 'strata-runtime' {
  return v === 'strata-shim' || v === 'strata-runtime';
}

/** One line of a trace file, or undefined when it is not a well-formed span. */
export function parseSpanLine(line: string): LcSpan | undefined {
  let v: unknown;
  try {
    v = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (!v || typeof v !== 'object') return undefined;
  const o = v as Record<string, unknown>;
  const { traceId, spanId, parentId, layer, name, startUs, durationUs, pid } = o;
  if (typeof traceId !== 'string' || !TRACE_ID.test(traceId)) return undefined;
  if (typeof spanId !== 'string' || !SPAN_ID.test(spanId)) return undefined;
  if (typeof name !== 'string' || !isNativeLayer(layer)) return undefined;
  if (typeof startUs !== 'number' || typeof durationUs !== 'number') return undefined;
  return {
    trace_id: traceId.toLowerCase(), span_id: spanId, parent_id: typeof parentId === 'string' ? parentId : '', layer, name,
    start_ms: startUs / 1000, duration_ms: durationUs / 1000, attrs: typeof pid === 'number' ? JSON.stringify({ pid }) : '',
  };
}
