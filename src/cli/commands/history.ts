// strata history [--no-trunc] [-q] [--format FMT] IMAGE
import { needArgs, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { HISTORY_DEFAULT, HISTORY_HEADERS, historyRow } from '../format/images.ts';
import { renderRows } from '../format/template.ts';

export const command: Command = {
  usage: 'usage: strata history [--no-trunc] [-q|--quiet] [--format TEMPLATE] IMAGE',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'no-trunc', kind: 'bool' },
      { name: 'quiet', short: 'q', kind: 'bool' },
      { name: 'human', short: 'H', kind: 'bool' },
      { name: 'format', kind: 'value' },
    ]);
    needArgs(p, 1, 'strata history', 1);
    const items = await ctx.client().images.history(p.positionals[0] as string);
    const format = p.bools.has('quiet') ? '{{.ID}}' : (p.values.get('format') ?? HISTORY_DEFAULT);
    ctx.stdout.write(renderRows(format, items.map((h) => historyRow(h, !p.bools.has('no-trunc'))), HISTORY_HEADERS));
    return 0;
  },
};
