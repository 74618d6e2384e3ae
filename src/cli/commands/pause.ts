// strata pause|unpause CONTAINER...
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { eachTarget } from '../each.ts';

export const pause: Command = {
  usage: 'usage: strata pause CONTAINER...',
  run: (args, ctx) => eachTarget(ctx, parseArgs(args, []).positionals, (id) => ctx.client().containers.pause(id), { verb: 'pause' }),
};

export const unpause: Command = {
  usage: 'usage: strata unpause CONTAINER...',
  run: (args, ctx) => eachTarget(ctx, parseArgs(args, []).positionals, (id) => ctx.client().containers.unpause(id), { verb: 'unpause' }),
};
