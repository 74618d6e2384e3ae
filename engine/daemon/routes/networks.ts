// Network routes: list (filters), inspect, create, remove, connect,
// disconnect, prune.  The work is in network/manager.ts; shapes in
// network/present.ts.
import { invalidArgument } from '../../errors.ts';
import { matchLabel } from '../containers/manager.ts';
import type { Route, RouteContext } from '../http-types.ts';
import { PredefinedError } from '../network/manager.ts';
import { networkJson } from '../network/present.ts';
import type { NetworkRecord } from '../network/store.ts';
import { services } from '../services.ts';
import { checkFilterKeys, parseFilters } from './util.ts';

function net() {
  const s = services();
  if (!s.networks) throw invalidArgument('stratad', 'networking is not set up in this daemon');
  return { s, nm: s.networks };
}

/** Docker's `until`: a Unix time, an RFC 3339 time or a Go duration ("10m", "1h30m"). */
function untilMs(v: string): number {
  if (/^\d+(\.\d+)?$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isFinite(t)) return t;
  const units: Record<string, number> = { ns: 1e-6, us: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
  let total = 0;
  let rest = v;
  while (rest) {
    const m = /^(\d+(?:\.\d+)?)(ns|us|ms|s|m|h)/.exec(rest);
    if (!m) throw invalidArgument('stratad', `invalid filter 'until=${v}'`);
    total += Number(m[1]) * (units[m[2] ?? 's'] ?? 1000);
    rest = rest.slice(m[0].length);
  }
  return Date.now() - total;
}

function matcher(f: Map<string, string[]>, nm: NonNullable<ReturnType<typeof services>['networks']>): (n: NetworkRecord) => boolean {
  for (const t of f.get('type') ?? []) if (t !== 'custom' && t !== 'builtin') throw invalidArgument('stratad', `invalid filter: 'type'='${t}'`);
  for (const d of f.get('dangling') ?? []) if (!['true', 'false', '1', '0'].includes(d)) throw invalidArgument('stratad', `invalid filter 'dangling=${d}'`);
  const until = f.get('until')?.map(untilMs);
  return (n) => {
    const any = (k: string, test: (v: string) => boolean) => {
      const vals = f.get(k);
      return !vals || vals.length === 0 || vals.some(test);
    };
    return (
      any('name', (v) => n.Name.includes(v)) &&
      any('id', (v) => n.Id.startsWith(v)) &&
      any('driver', (v) => n.Driver === v) &&
      any('scope', (v) => v === 'local') &&
      any('type', (v) => (v === 'builtin') === n.predefined) &&
      any('dangling', (v) => (v === 'true' || v === '1') === (!n.predefined && nm.endpointsOn(n.Id).length === 0)) &&
      (f.get('label') ?? []).every((l) => matchLabel(n.Labels, l)) &&
      (f.get('label!') ?? []).every((l) => !matchLabel(n.Labels, l)) &&
      (until ?? []).every((t) => Date.parse(n.Created) < t)
    );
  };
}

async function list(ctx: RouteContext): Promise<void> {
  const { s, nm } = net();
  const f = parseFilters(ctx.query);
  checkFilterKeys(f, ['dangling', 'driver', 'id', 'label', 'name', 'scope', 'type']);
  ctx.json(200, nm.list().filter(matcher(f, nm)).map((n) => networkJson(n, nm, s.store)));
}

async function inspect(ctx: RouteContext): Promise<void> {
  const { s, nm } = net();
  ctx.json(200, networkJson(nm.resolve(ctx.params.id ?? ''), nm, s.store));
}

async function create(ctx: RouteContext): Promise<void> {
  const { nm } = net();
  const n = await nm.create(await ctx.body());
  ctx.json(201, { Id: n.Id, Warning: '' });
}

async function remove(ctx: RouteContext): Promise<void> {
  const { nm } = net();
  try {
    await nm.remove(ctx.params.id ?? '');
  } catch (e) {
    if (e instanceof PredefinedError) return ctx.json(403, { message: e.message });
    throw e;
  }
  ctx.empty(204);
}

async function connect(ctx: RouteContext): Promise<void> {
  await net().nm.connect(ctx.params.id ?? '', await ctx.body());
  ctx.empty(200);
}

async function disconnect(ctx: RouteContext): Promise<void> {
  await net().nm.disconnect(ctx.params.id ?? '', await ctx.body());
  ctx.empty(200);
}

async function prune(ctx: RouteContext): Promise<void> {
  const { nm } = net();
  const f = parseFilters(ctx.query);
  checkFilterKeys(f, ['label', 'label!', 'until']);
  ctx.json(200, { NetworksDeleted: await nm.prune(matcher(f, nm)) });
}

export const routes: Route[] = [
  { method: 'GET', path: '/networks', handler: list },
  { method: 'POST', path: '/networks/create', handler: create },
  { method: 'POST', path: '/networks/prune', handler: prune },
  { method: 'GET', path: '/networks/:id', handler: inspect },
  { method: 'DELETE', path: '/networks/:id', handler: remove },
  { method: 'POST', path: '/networks/:id/connect', handler: connect },
  { method: 'POST', path: '/networks/:id/disconnect', handler: disconnect },
];
