// stratad's own endpoints for the workbench (engine/daemon/STRATA-API.md),
// beside /strata/requests (requests.ts): lifecycled's events, the shims, the
// cgroup stats and the traces.
import { invalidArgument, notFound } from '../../errors.ts';
import type { RouteContext, Route } from '../http-types.ts';
import { lifecycleFeed } from '../observe/lifecycle-events.ts';
import { listShims } from '../observe/shims.ts';
import { statsPoller } from '../observe/stats.ts';
import { services } from '../services.ts';
import { withLifecycleSpans } from '../trace/merge.ts';
import { MAX_TRACES, traces } from '../trace/store.ts';
import { LAYERS, SPAN_ID, TRACE_ID, type Layer, type Span } from '../trace/types.ts';
import { flag, intParam, startStream } from './util.ts';

/** ?follow=1: NDJSON until the client closes; subscribe returns its unsubscribe. */
async function ndjson<T>(ctx: RouteContext, subscribe: (write: (v: T) => void) => () => void): Promise<void> {
  startStream(ctx, 'application/x-ndjson');
  const stop = subscribe((v) => void ctx.res.write(`${JSON.stringify(v)}\n`));
  await new Promise<void>((resolve) => ctx.res.once('close', resolve));
  stop();
}

function feed() {
  const s = services();
  return lifecycleFeed(s.lifecycle, () => {
    try {
      return services().lifecycle === s.lifecycle;
    } catch {
      return false;
    }
  });
}

async function lifecycleEvents(ctx: RouteContext): Promise<void> {
  const f = feed();
  if (!flag(ctx.query, 'follow')) return ctx.json(200, f.list());
  await ndjson(ctx, (write) => f.follow(write));
}

async function shims(ctx: RouteContext): Promise<void> {
  const s = services();
  ctx.json(200, await listShims(s.lifecycle, s.store));
}

async function stats(ctx: RouteContext): Promise<void> {
  const s = services();
  const poller = statsPoller(s.lifecycle, s.store);
  if (!flag(ctx.query, 'follow')) return ctx.json(200, await poller.sample());
  await ndjson(ctx, (write) => poller.follow(write));
}

function traceId(ctx: RouteContext): string {
  const id = ctx.params.id ?? '';
  if (!TRACE_ID.test(id)) throw invalidArgument('stratad', `invalid trace id "${id}": 16 to 32 hex digits`);
  return id.toLowerCase();
}

async function listTraces(ctx: RouteContext): Promise<void> {
  const limit = intParam(ctx.query, 'limit') ?? 50;
  if (limit < 1 || limit > MAX_TRACES) throw invalidArgument('stratad', `invalid limit ${limit}: 1 to ${MAX_TRACES}`);
  ctx.json(200, await withLifecycleSpans(services().lifecycle, traces.list(limit)));
}

async function getTrace(ctx: RouteContext): Promise<void> {
  const id = traceId(ctx);
  const t = traces.get(id);
  if (!t) throw notFound('stratad', `no trace ${id} (stratad keeps the last ${MAX_TRACES})`);
  const [merged] = await withLifecycleSpans(services().lifecycle, [t]);
  ctx.json(200, merged);
}

const num = (v: unknown): v is number => typeof v === 'number' && Number.isFinite(v);

/** A client's span, checked field by field; the layer is always "client". */
function clientSpan(v: unknown, i: number): Span {
  const bad = (why: string) => invalidArgument('stratad', `span ${i}: ${why}`);
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw bad('must be an object');
  const o = v as Record<string, unknown>;
  if (typeof o.spanId !== 'string' || !SPAN_ID.test(o.spanId)) throw bad('spanId must be 1 to 32 letters or digits');
  if (o.parentId !== undefined && o.parentId !== null && (typeof o.parentId !== 'string' || !SPAN_ID.test(o.parentId))) throw bad('bad parentId');
  if (typeof o.name !== 'string' || o.name.length === 0 || o.name.length > 200) throw bad('name must be 1 to 200 characters');
  if (!num(o.start) || o.start <= 0) throw bad('start must be Unix milliseconds');
  if (!num(o.durationMs) || o.durationMs < 0) throw bad('durationMs must be a number >= 0');
  if (o.layer !== undefined && o.layer !== 'client') throw bad(`layer must be "client" (${LAYERS.filter((l: Layer) => l !== 'client').join(', ')} are the engine's)`);
  if (o.attrs !== undefined && (!o.attrs || typeof o.attrs !== 'object' || Array.isArray(o.attrs))) throw bad('attrs must be an object');
  const attrs = o.attrs as Record<string, unknown> | undefined;
  return { spanId: o.spanId, parentId: typeof o.parentId === 'string' ? o.parentId : null, layer: 'client', name: o.name, start: o.start, durationMs: o.durationMs, ...(attrs ? { attrs } : {}) };
}

async function postSpans(ctx: RouteContext): Promise<void> {
  const id = traceId(ctx);
  const body = await ctx.body();
  if (!Array.isArray(body)) throw invalidArgument('stratad', 'the body must be a JSON array of spans');
  if (body.length > 1000) throw invalidArgument('stratad', 'at most 1000 spans at once');
  const spans = body.map(clientSpan); // all checked before any is kept
  for (const s of spans) traces.add(id, s);
  ctx.empty(204);
}

export const routes: Route[] = [
  { method: 'GET', path: '/strata/lifecycle/events', handler: lifecycleEvents },
  { method: 'GET', path: '/strata/shims', handler: shims },
  { method: 'GET', path: '/strata/stats', handler: stats },
  { method: 'GET', path: '/strata/traces', handler: listTraces },
  { method: 'GET', path: '/strata/traces/:id', handler: getTrace },
  { method: 'POST', path: '/strata/traces/:id/spans', handler: postSpans },
];
