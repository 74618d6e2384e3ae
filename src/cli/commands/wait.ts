// strata wait CONTAINER...: print each exit code once it stops.
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { eachTarget } from '../each.ts';

export const command: Command = {
  usage: 'usage: strata wait CONTAINER...',
  async run(args, ctx) {
    const p = parseArgs(args, []);
    return eachTarget(
      ctx,
      p.positionals,
      async (id) => {
        const r = await (await ctx.client().containers.wait(id)).result;
        ctx.stdout.write(`${r.StatusCode}\n`);
      },
      { verb: 'wait', quiet: true },
    );
  },
};
