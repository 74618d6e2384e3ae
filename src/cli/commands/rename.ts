// strata rename CONTAINER NEW_NAME
import { needArgs, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';

export const command: Command = {
  usage: 'usage: strata rename CONTAINER NEW_NAME',
  async run(args, ctx) {
    const p = parseArgs(args, []);
    needArgs(p, 2, 'strata rename', 2);
    await ctx.client().containers.rename(p.positionals[0] as string, p.positionals[1] as string);
    return 0;
  },
};
