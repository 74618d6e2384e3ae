// Small helpers the route files share: query flags, filters, streaming JSON.
import { invalidArgument } from '../../errors.ts';
import type { RouteContext } from '../http-types.ts';

/** Docker's boolean query values: "1", "true", "True" (and "0"/"false"/"" for off). */
export function flag(q: URLSearchParams, key: string): boolean {
  const v = q.get(key);
  return v !== null && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
}

export function intParam(q: URLSearchParams, key: string): number | undefined {
  const v = q.get(key);
  if (v === null || v === '') return undefined;
  if (!/^-?\d+$/.test(v)) throw invalidArgument('stratad', `invalid ${key}: "${v}" is not an integer`);
  return Number(v);
}

/**
 * The `filters` query: JSON {"key":{"value":true}} or the old list form
 * {"key":["value"]}; returned as key -> values.
 */
export function parseFilters(q: URLSearchParams): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const raw = q.get('filters');
  if (!raw) return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw invalidArgument('stratad', `invalid filter: ${raw}`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw invalidArgument('stratad', `invalid filter: ${raw}`);
  for (const [k, v] of Object.entries(parsed)) {
    if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.set(k, v as string[]);
    else if (v && typeof v === 'object') out.set(k, Object.entries(v).filter(([, on]) => on === true).map(([val]) => val));
    else throw invalidArgument('stratad', `invalid filter '${k}'`);
  }
  return out;
}

export function checkFilterKeys(f: Map<string, string[]>, allowed: string[]): void {
  for (const k of f.keys()) if (!allowed.includes(k)) throw invalidArgument('stratad', `invalid filter '${k}'`);
}

/** Start a streamed JSON answer (headers flushed now, body written as things happen). */
export function startStream(ctx: RouteContext, contentType = 'application/json'): void {
  ctx.res.writeHead(200, { ...commonHeadersLazy(), 'Content-Type': contentType });
  ctx.res.flushHeaders();
}

import { commonHeaders } from '../server.ts';
const commonHeadersLazy = () => commonHeaders();
