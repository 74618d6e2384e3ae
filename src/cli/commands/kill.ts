// strata kill [-s SIGNAL] CONTAINER...
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { eachTarget } from '../each.ts';

export const command: Command = {
  usage: 'usage: strata kill [-s|--signal SIGNAL] CONTAINER...   (default SIGKILL)',
  async run(args, ctx) {
    const p = parseArgs(args, [{ name: 'signal', short: 's', kind: 'value' }]);
    return eachTarget(ctx, p.positionals, (id) => ctx.client().containers.kill(id, { signal: p.values.get('signal') }), { verb: 'kill' });
  },
};
