// strata images [-a] [-q] [--no-trunc] [--filter k=v] [--format FMT] [REPOSITORY[:TAG]]
import { parseFilterFlags } from '../../client/filters.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { IMAGES_DEFAULT, IMAGES_HEADERS, imageRows } from '../format/images.ts';
import { renderRows } from '../format/template.ts';

export const command: Command = {
  usage: 'usage: strata images [-a|--all] [-q|--quiet] [--no-trunc] [-f|--filter KEY=VALUE] [--format TEMPLATE] [REPOSITORY[:TAG]]',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'all', short: 'a', kind: 'bool' },
      { name: 'quiet', short: 'q', kind: 'bool' },
      { name: 'no-trunc', kind: 'bool' },
      { name: 'digests', kind: 'bool' },
      { name: 'filter', short: 'f', kind: 'list' },
      { name: 'format', kind: 'value' },
    ]);
    const filters = parseFilterFlags(p.lists.get('filter') ?? []);
    if (p.positionals[0]) (filters.reference ??= []).push(p.positionals[0]);
    const images = await ctx.client().images.list({ all: p.bools.has('all'), filters });
    const trunc = !p.bools.has('no-trunc');
    if (p.bools.has('quiet')) {
      // One ID per image, however many tags it has.
      const ids = [...new Set(images.map((i) => imageRows(i, trunc)[0]?.ID as string))];
      ctx.stdout.write(ids.map((i) => `${i}\n`).join(''));
      return 0;
    }
    let format = p.values.get('format') ?? IMAGES_DEFAULT;
    if (format === 'json') format = '{{json .}}';
    if (format === 'table') format = IMAGES_DEFAULT;
    ctx.stdout.write(renderRows(format, images.flatMap((i) => imageRows(i, trunc)), IMAGES_HEADERS));
    return 0;
  },
};
