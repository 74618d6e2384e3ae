// A trace as answered: stratad's and the client's spans plus those lifecycled
// (and its shims and runtimes) recorded, fetched with one Trace.Get for all
// the traces asked about.  lifecycled unreachable: stratad's spans alone.
import type { LifecycleClient, TraceSpan } from '../../lifecycle/client.ts';
import { LAYERS, type Layer, type Span, type Trace } from './types.ts';

function isLayer(v: string): v is Layer {
  return (LAYERS as readonly string[]).includes(v);
}

function attrsOf(text: string): Record<string, unknown> | undefined {
  if (!text) return undefined;
  try {
    const v: unknown = JSON.parse(text);
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

function toSpan(s: TraceSpan): Span | undefined {
  if (!isLayer(s.layer)) return undefined;
  const attrs = attrsOf(s.attrs);
  return { spanId: s.span_id, parentId: s.parent_id || null, layer: s.layer, name: s.name, start: s.start_ms, durationMs: s.duration_ms, ...(attrs ? { attrs } : {}) };
}

export async function withLifecycleSpans(client: LifecycleClient, traces: Trace[]): Promise<Trace[]> {
  if (traces.length === 0) return [];
  let spans: TraceSpan[] = [];
  try {
    spans = await client.traceSpans(traces.map((t) => t.id));
  } catch {
    /* lifecycled away: what stratad holds */
  }
  const byTrace = new Map<string, Span[]>();
  for (const s of spans) {
    const span = toSpan(s);
    if (!span) continue;
    const list = byTrace.get(s.trace_id) ?? [];
    list.push(span);
    byTrace.set(s.trace_id, list);
  }
  return traces.map((t) => {
    const all = [...t.spans, ...(byTrace.get(t.id) ?? [])].sort((a, b) => a.start - b.start);
    return { id: t.id, name: t.name, start: Math.min(t.start, ...all.map((s) => s.start)), spans: all };
  });
}
