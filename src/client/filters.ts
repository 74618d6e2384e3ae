// Filters travel as JSON maps of key -> set ({"status":{"exited":true}}), the
// form every Engine API version since 1.22 accepts.
import type { Filters } from './types.ts';

export function encodeFilters(filters: Filters | undefined): Record<string, Record<string, true>> | undefined {
  if (!filters) return undefined;
  const out: Record<string, Record<string, true>> = {};
  for (const [k, values] of Object.entries(filters)) {
    if (values.length === 0) continue;
    out[k] = Object.fromEntries(values.map((v) => [v, true as const]));
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

/** Parse `key=value` filter flags (docker's --filter) into Filters. */
export function parseFilterFlags(flags: string[]): Filters {
  const out: Filters = {};
  for (const f of flags) {
    const eq = f.indexOf('=');
    if (eq <= 0) throw new Error(`bad format of filter (expected name=value): ${f}`);
    const key = f.slice(0, eq).trim().toLowerCase();
    (out[key] ??= []).push(f.slice(eq + 1));
  }
  return out;
}
