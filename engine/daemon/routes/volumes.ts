// Volume routes: list (filters name, label, dangling, driver), create
// (idempotent per name), inspect, remove (409 while in use), prune.
import { invalidArgument } from '../../errors.ts';
import type { Route, RouteContext } from '../http-types.ts';
import { services } from '../services.ts';
import { matchLabel, type CreateVolumeRequest } from '../volumes/service.ts';
import type { VolumeRecord } from '../volumes/types.ts';
import { checkFilterKeys, flag, parseFilters } from './util.ts';

const BOOL = ['true', 'false', '1', '0'];

function listFilter(f: Map<string, string[]>): (v: VolumeRecord) => boolean {
  checkFilterKeys(f, ['name', 'label', 'label!', 'dangling', 'driver']);
  const dangling = f.get('dangling') ?? [];
  for (const d of dangling) if (!BOOL.includes(d)) throw invalidArgument('stratad', `invalid filter 'dangling=${d}'`);
  const names = (f.get('name') ?? []).map((n) => {
    try {
      return new RegExp(n);
    } catch {
      throw invalidArgument('stratad', `invalid filter 'name=${n}'`);
    }
  });
  const { volumes } = services();
  const users = dangling.length ? volumes.usage() : new Map<string, string[]>();
  return (v) => {
    if (names.length && !names.some((re) => re.test(v.name))) return false;
    const drivers = f.get('driver') ?? [];
    if (drivers.length && !drivers.includes(v.driver)) return false;
    if (!(f.get('label') ?? []).every((l) => matchLabel(v.labels, l))) return false;
    if ((f.get('label!') ?? []).some((l) => matchLabel(v.labels, l))) return false;
    if (dangling.length) {
      const unused = !users.get(v.name)?.length;
      if (!dangling.some((d) => (d === 'true' || d === '1') === unused)) return false;
    }
    return true;
  };
}

async function list(ctx: RouteContext): Promise<void> {
  const { volumes } = services();
  const keep = listFilter(parseFilters(ctx.query));
  ctx.json(200, { Volumes: volumes.list().filter(keep).map((v) => volumes.present(v)), Warnings: null });
}

function createBody(body: unknown): CreateVolumeRequest {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('stratad', 'invalid volume create body: expected a JSON object');
  const b = body as Record<string, unknown>;
  const str = (k: string) => {
    const v = b[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') throw invalidArgument('stratad', `invalid ${k}: expected a string`);
    return v;
  };
  const map = (k: string) => {
    const v = b[k];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'object' || Array.isArray(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalidArgument('stratad', `invalid ${k}: expected a map of strings`);
    return v as Record<string, string>;
  };
  return { Name: str('Name'), Driver: str('Driver'), DriverOpts: map('DriverOpts'), Labels: map('Labels') };
}

async function create(ctx: RouteContext): Promise<void> {
  const { volumes } = services();
  const { volume } = volumes.create(createBody(await ctx.body()));
  ctx.json(201, volumes.present(volume));
}

async function inspect(ctx: RouteContext): Promise<void> {
  const { volumes } = services();
  ctx.json(200, volumes.present(volumes.get(ctx.params.name ?? '')));
}

async function remove(ctx: RouteContext): Promise<void> {
  await services().volumes.remove(ctx.params.name ?? '', flag(ctx.query, 'force'));
  ctx.empty(204);
}

async function prune(ctx: RouteContext): Promise<void> {
  ctx.json(200, await services().volumes.prune(parseFilters(ctx.query), ctx.apiVersion));
}

export const routes: Route[] = [
  { method: 'GET', path: '/volumes', handler: list },
  { method: 'POST', path: '/volumes/create', handler: create },
  { method: 'POST', path: '/volumes/prune', handler: prune },
  { method: 'GET', path: '/volumes/:name', handler: inspect },
  { method: 'DELETE', path: '/volumes/:name', handler: remove },
];
