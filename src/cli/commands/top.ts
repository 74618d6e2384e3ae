// strata top CONTAINER [ps OPTIONS]
import { needArgs, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { alignColumns } from '../format/table.ts';

export const command: Command = {
  usage: 'usage: strata top CONTAINER [ps OPTIONS]',
  async run(args, ctx) {
    const p = parseArgs(args, [], { stopAfter: 1 });
    needArgs(p, 1, 'strata top');
    const [id, ...psArgs] = p.positionals as [string, ...string[]];
    const r = await ctx.client().containers.top(id, { psArgs: psArgs.length ? psArgs.join(' ') : undefined });
    ctx.stdout.write(alignColumns([r.Titles.join('\t'), ...r.Processes.map((row) => row.join('\t'))]));
    return 0;
  },
};
