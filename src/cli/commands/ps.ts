// strata ps [-a] [-q] [-n N] [-l] [-s] [--no-trunc] [--filter k=v] [--format FMT]
import { parseFilterFlags } from '../../client/filters.ts';
import { intFlag, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { PS_DEFAULT, PS_HEADERS, psRow } from '../format/containers.ts';
import { renderRows } from '../format/template.ts';

export const command: Command = {
  usage: 'usage: strata ps [-a|--all] [-q|--quiet] [-n|--last N] [-l|--latest] [-s|--size] [--no-trunc] [-f|--filter KEY=VALUE] [--format TEMPLATE]',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'all', short: 'a', kind: 'bool' },
      { name: 'quiet', short: 'q', kind: 'bool' },
      { name: 'last', short: 'n', kind: 'value' },
      { name: 'latest', short: 'l', kind: 'bool' },
      { name: 'size', short: 's', kind: 'bool' },
      { name: 'no-trunc', kind: 'bool' },
      { name: 'filter', short: 'f', kind: 'list' },
      { name: 'format', kind: 'value' },
    ]);
    const last = p.bools.has('latest') ? 1 : intFlag(p, 'last');
    const list = await ctx.client().containers.list({
      all: p.bools.has('all') || (last !== undefined && last > 0),
      limit: last !== undefined && last > 0 ? last : undefined,
      size: p.bools.has('size') || undefined,
      filters: parseFilterFlags(p.lists.get('filter') ?? []),
    });
    let format = p.values.get('format') ?? PS_DEFAULT;
    if (format === 'json') format = '{{json .}}';
    if (format === 'table') format = PS_DEFAULT;
    if (p.bools.has('quiet')) format = '{{.ID}}';
    else if (p.bools.has('size') && format === PS_DEFAULT) format = `${PS_DEFAULT}\t{{.Size}}`;
    const rows = list.map((c) => psRow(c, { trunc: !p.bools.has('no-trunc') }));
    ctx.stdout.write(renderRows(format, rows, PS_HEADERS));
    return 0;
  },
};
