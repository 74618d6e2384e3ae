// strata events [--since T] [--until T] [-f k=v] [--format FMT]
// Default line, like docker: TIME TYPE ACTION ID (attr=value, ...).
import { parseFilterFlags } from '../../client/filters.ts';
import type { EventMessage } from '../../client/types.ts';
import { parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';
import { compile } from '../format/template.ts';
import { parseTimeArg } from '../format/time.ts';

export function eventLine(e: EventMessage): string {
  // timeNano is past 2^53: as a JSON number it is only good to ~0.3 us, so
  // print microseconds and zero the rest rather than show float noise.
  const secs = e.time;
  const micros = e.timeNano !== undefined ? Math.min(999_999, Math.max(0, Math.round(e.timeNano / 1000 - secs * 1e6))) : 0;
  const frac = `${String(micros).padStart(6, '0')}000`;
  const when = `${new Date(secs * 1000).toISOString().replace(/\.\d+Z$/, '')}.${frac}Z`;
  const attrs = Object.entries(e.Actor.Attributes ?? {})
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${v}`)
    .join(', ');
  return `${when} ${e.Type} ${e.Action} ${e.Actor.ID}${attrs ? ` (${attrs})` : ''}`;
}

export const command: Command = {
  usage: 'usage: strata events [--since TIME] [--until TIME] [-f|--filter KEY=VALUE] [--format TEMPLATE]',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'since', kind: 'value' },
      { name: 'until', kind: 'value' },
      { name: 'filter', short: 'f', kind: 'list' },
      { name: 'format', kind: 'value' },
    ]);
    if (p.positionals.length > 0) throw new UsageError('"events" accepts no arguments');
    const since = p.values.get('since');
    const until = p.values.get('until');
    let format = p.values.get('format');
    if (format === 'json') format = '{{json .}}';
    const t = format ? compile(format) : undefined;
    const abort = new AbortController();
    process.once('SIGINT', () => abort.abort());
    for await (const e of ctx.client().system.events({
      since: since !== undefined ? parseTimeArg(since) : undefined,
      until: until !== undefined ? parseTimeArg(until) : undefined,
      filters: parseFilterFlags(p.lists.get('filter') ?? []),
      signal: abort.signal,
    })) {
      ctx.stdout.write(`${t ? t.render(e) : eventLine(e)}\n`);
    }
    return 0;
  },
};
