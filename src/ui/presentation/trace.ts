// A trace as a waterfall: one line per span in tree order, the layer it ran
// in, its name indented under its parent, its duration, and a bar placed on
// the trace's own time axis. Where the time of a `run` went, layer by layer.
import { LAYER_ORDER, type Span, type Trace } from '../../client/strata.ts';
import type { Row, Rows, Tone } from './panes.ts';
import { type Column, header, row, sizeColumns } from './columns.ts';
import { millis } from './format.ts';

const COLS: Column[] = [
  { title: 'LAYER', width: 10 },
  { title: 'SPAN', width: 22, flex: true },
  { title: 'TIME', width: 7, right: true },
  { title: 'WHEN', width: 16, flex: true },
];

const SHORT: Record<string, string> = { client: 'client', stratad: 'stratad', 'strata-lifecycled': 'lifecycled', 'strata-shim': 'shim', 'strata-runtime': 'runtime' };

/** Spans depth first (children under their parent, by start time), with their depth. */
export function spanTree(spans: Span[]): { span: Span; depth: number }[] {
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string | null, Span[]>();
  for (const s of spans) {
    const parent = s.parentId !== null && ids.has(s.parentId) ? s.parentId : null;
    const list = children.get(parent) ?? [];
    list.push(s);
    children.set(parent, list);
  }
  for (const list of children.values()) list.sort((a, b) => a.start - b.start || LAYER_ORDER.indexOf(a.layer) - LAYER_ORDER.indexOf(b.layer));
  const out: { span: Span; depth: number }[] = [];
  const walk = (parent: string | null, depth: number) => {
    for (const s of children.get(parent) ?? []) {
      out.push({ span: s, depth });
      walk(s.spanId, depth + 1);
    }
  };
  walk(null, 0);
  return out;
}

/** A bar of width cells for [start, end) on [t0, t0+total). */
export function bar(start: number, dur: number, t0: number, total: number, width: number): string {
  if (width <= 0) return '';
  if (!(total > 0)) return '█'.padEnd(width);
  const a = Math.min(width - 1, Math.max(0, Math.floor(((start - t0) / total) * width)));
  const b = Math.max(a + 1, Math.min(width, Math.round(((start + dur - t0) / total) * width)));
  return ' '.repeat(a) + '█'.repeat(b - a) + ' '.repeat(width - b);
}

export function traceRows(trace: Trace | undefined, width: number): Rows {
  const widths = sizeColumns(COLS, width);
  if (!trace || trace.spans.length === 0) return { header: header(COLS, widths), rows: [] };
  const t0 = Math.min(...trace.spans.map((s) => s.start));
  const end = Math.max(...trace.spans.map((s) => s.start + s.durationMs));
  const total = end - t0;
  const rows = spanTree(trace.spans).map(({ span, depth }, i): Row => {
    const failed = typeof span.attrs?.error === 'string' || (typeof span.attrs?.status === 'number' && span.attrs.status >= 400);
    const tone: Tone = failed ? 'error' : span.layer === 'strata-runtime' ? 'ok' : 'normal';
    return { key: `${span.spanId}-${i}`, text: row([SHORT[span.layer] ?? span.layer, `${'  '.repeat(depth)}${span.name}`, millis(span.durationMs), bar(span.start, span.durationMs, t0, total, widths[3] ?? 0)], COLS, widths), tone };
  });
  return { header: header(COLS, widths), rows };
}

/** Time per layer (self time is not subtracted: the top span of each layer), for the caption. */
export function traceSummary(trace: Trace | undefined): string {
  if (!trace || trace.spans.length === 0) return 'no trace yet: run a container (r)';
  const t0 = Math.min(...trace.spans.map((s) => s.start));
  const end = Math.max(...trace.spans.map((s) => s.start + s.durationMs));
  const layers = LAYER_ORDER.filter((l) => trace.spans.some((s) => s.layer === l)).map((l) => SHORT[l]);
  return `${trace.name} ${trace.id.slice(0, 8)}: ${millis(end - t0)} across ${layers.join(' → ')}`;
}
