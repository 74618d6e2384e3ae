// Container routes: create, list, inspect, start, stop, restart, kill, wait,
// remove, rename, pause/unpause, update, resize, prune.  Attach, logs,
// stats, top and archive live in streams.ts.
import { join } from 'node:path';

import { invalidArgument } from '../../errors.ts';
import { lifecycleId, matchLabel, type WaitCondition } from '../containers/manager.ts';
import { inspect, summary } from '../containers/present.ts';
import type { ContainerRecord } from '../containers/types.ts';
import type { Route, RouteContext } from '../http-types.ts';
import { services } from '../services.ts';
import { checkFilterKeys, flag, intParam, parseFilters, startStream } from './util.ts';

const LIST_FILTERS = ['ancestor', 'before', 'exited', 'id', 'label', 'name', 'since', 'status', 'network', 'volume', 'health', 'isolation', 'is-task', 'publish', 'expose'];
const STATUSES = ['created', 'restarting', 'running', 'removing', 'paused', 'exited', 'dead'];

/** The json-file log lifecycled writes for the task (its data root is shared with ours when run by `strata engine`). */
export function logPathOf(rec: ContainerRecord): string {
  const lc = lifecycleId(rec.id);
  return join(services().paths.dataRoot, 'containers', lc, `${lc}-json.log`);
}

function listFilter(f: Map<string, string[]>): (r: ContainerRecord) => boolean {
  checkFilterKeys(f, LIST_FILTERS);
  for (const s of f.get('status') ?? []) if (!STATUSES.includes(s)) throw invalidArgument('stratad', `invalid filter 'status=${s}'`);
  const { store } = services();
  const before = f.get('before')?.map((x) => store.resolve(x).created);
  const since = f.get('since')?.map((x) => store.resolve(x).created);
  return (r) => {
    const one = (key: string, test: (v: string) => boolean) => {
      const vals = f.get(key);
      return !vals || vals.length === 0 || vals.some(test);
    };
    return (
      one('status', (s) => r.state.Status === s) &&
      one('name', (n) => {
        try {
          return new RegExp(n).test(`/${r.name}`);
        } catch {
          return `/${r.name}`.includes(n);
        }
      }) &&
      one('id', (p) => r.id.startsWith(p)) &&
      (f.get('label') ?? []).every((l) => matchLabel(r.config.Labels, l)) &&
      one('volume', (v) => (r.mounts ?? []).some((m) => m.Name === v || m.Source === v || m.Destination === v)) &&
      one('ancestor', (a) => r.image === a || r.imageRef === a || r.imageRef === `${a}:latest` || r.imageId === a || r.imageId.startsWith(`sha256:${a}`)) &&
      one('exited', (c) => r.state.Status === 'exited' && String(r.state.ExitCode) === c) &&
      (before ?? []).every((t) => r.created < t) &&
      (since ?? []).every((t) => r.created > t)
    );
  };
}

async function list(ctx: RouteContext): Promise<void> {
  const { store } = services();
  const all = flag(ctx.query, 'all');
  const filters = parseFilters(ctx.query);
  const keep = listFilter(filters);
  const limit = intParam(ctx.query, 'limit');
  let recs = store.list().filter((r) => (all || filters.has('status') || filters.has('exited') || r.state.Status === 'running' || r.state.Status === 'paused' || r.state.Status === 'restarting') && keep(r));
  if (limit !== undefined && limit > 0) recs = recs.slice(0, limit);
  ctx.json(200, recs.map(summary));
}

async function create(ctx: RouteContext): Promise<void> {
  const body = await ctx.body();
  ctx.json(201, await services().containers.create(body, ctx.query.get('name')));
}

async function inspectRoute(ctx: RouteContext): Promise<void> {
  const s = services();
  const rec = s.store.resolve(ctx.params.id ?? '');
  ctx.json(200, inspect(rec, s.paths.dataRoot, logPathOf(rec)));
}

async function start(ctx: RouteContext): Promise<void> {
  ctx.empty((await services().containers.start(ctx.params.id ?? '')) ? 204 : 304);
}

async function stop(ctx: RouteContext): Promise<void> {
  const ok = await services().containers.stop(ctx.params.id ?? '', intParam(ctx.query, 't'), ctx.query.get('signal') ?? undefined);
  ctx.empty(ok ? 204 : 304);
}

async function restart(ctx: RouteContext): Promise<void> {
  await services().containers.restart(ctx.params.id ?? '', intParam(ctx.query, 't'), ctx.query.get('signal') ?? undefined);
  ctx.empty(204);
}

async function kill(ctx: RouteContext): Promise<void> {
  await services().containers.kill(ctx.params.id ?? '', ctx.query.get('signal') ?? undefined);
  ctx.empty(204);
}

async function wait(ctx: RouteContext): Promise<void> {
  const c = ctx.query.get('condition') || 'not-running';
  if (c !== 'not-running' && c !== 'next-exit' && c !== 'removed') throw invalidArgument('stratad', `invalid condition: "${c}"`);
  const abort = new AbortController();
  // Resolve before the headers go out so a bad id is a plain 404.
  const result = services().containers.wait(ctx.params.id ?? '', c as WaitCondition, abort.signal);
  // docker run blocks on these headers before it sends start (ENGINE-API.md 3.3).
  startStream(ctx);
  ctx.res.once('close', () => abort.abort());
  try {
    ctx.res.end(`${JSON.stringify(await result)}\n`);
  } catch {
    ctx.res.destroy();
  }
}

async function remove(ctx: RouteContext): Promise<void> {
  await services().containers.remove(ctx.params.id ?? '', flag(ctx.query, 'force'), flag(ctx.query, 'v'));
  ctx.empty(204);
}

async function rename(ctx: RouteContext): Promise<void> {
  const name = ctx.query.get('name');
  if (!name) throw invalidArgument('stratad', 'Neither old nor new names may be empty');
  await services().containers.rename(ctx.params.id ?? '', name);
  ctx.empty(204);
}

async function pause(ctx: RouteContext): Promise<void> {
  await services().containers.pause(ctx.params.id ?? '', true);
  ctx.empty(204);
}

async function unpause(ctx: RouteContext): Promise<void> {
  await services().containers.pause(ctx.params.id ?? '', false);
  ctx.empty(204);
}

async function update(ctx: RouteContext): Promise<void> {
  const body = await ctx.body();
  ctx.json(200, await services().containers.update(ctx.params.id ?? '', body));
}

async function resize(ctx: RouteContext): Promise<void> {
  const s = services();
  const rec = s.store.resolve(ctx.params.id ?? '');
  const h = intParam(ctx.query, 'h') ?? 0;
  const w = intParam(ctx.query, 'w') ?? 0;
  if (h < 0 || w < 0) throw invalidArgument('stratad', 'invalid size: height and width must be positive');
  if (rec.state.Status !== 'running') throw invalidArgument('stratad', `Container ${rec.id} is not running`);
  await s.lifecycle.tasks.resize({ container_id: lifecycleId(rec.id), width: w, height: h });
  ctx.res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': '0' }).end();
}

async function prune(ctx: RouteContext): Promise<void> {
  const f = parseFilters(ctx.query);
  checkFilterKeys(f, ['label', 'until']);
  ctx.json(200, await services().containers.prune(f.get('label') ?? []));
}

export const routes: Route[] = [
  { method: 'GET', path: '/containers/json', handler: list },
  { method: 'POST', path: '/containers/create', handler: create },
  { method: 'POST', path: '/containers/prune', handler: prune },
  { method: 'GET', path: '/containers/:id/json', handler: inspectRoute },
  { method: 'POST', path: '/containers/:id/start', handler: start },
  { method: 'POST', path: '/containers/:id/stop', handler: stop },
  { method: 'POST', path: '/containers/:id/restart', handler: restart },
  { method: 'POST', path: '/containers/:id/kill', handler: kill },
  { method: 'POST', path: '/containers/:id/wait', handler: wait },
  { method: 'DELETE', path: '/containers/:id', handler: remove },
  { method: 'POST', path: '/containers/:id/rename', handler: rename },
  { method: 'POST', path: '/containers/:id/pause', handler: pause },
  { method: 'POST', path: '/containers/:id/unpause', handler: unpause },
  { method: 'POST', path: '/containers/:id/update', handler: update },
  { method: 'POST', path: '/containers/:id/resize', handler: resize },
];
