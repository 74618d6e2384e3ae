// strata stop [-t SECONDS] [-s SIGNAL] CONTAINER...
import { intFlag, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { eachTarget } from '../each.ts';

export const command: Command = {
  usage: 'usage: strata stop [-t|--time SECONDS] [-s|--signal SIGNAL] CONTAINER...',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'time', short: 't', kind: 'value' },
      { name: 'signal', short: 's', kind: 'value' },
    ]);
    const t = intFlag(p, 'time');
    return eachTarget(ctx, p.positionals, (id) => ctx.client().containers.stop(id, { t, signal: p.values.get('signal') }), { verb: 'stop' });
  },
};
