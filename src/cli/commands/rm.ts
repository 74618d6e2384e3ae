// strata rm [-f] [-v] CONTAINER...  (-f: a missing container is reported but not a failure)
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { eachTarget } from '../each.ts';

export const command: Command = {
  usage: 'usage: strata rm [-f|--force] [-v|--volumes] CONTAINER...',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'force', short: 'f', kind: 'bool' },
      { name: 'volumes', short: 'v', kind: 'bool' },
      { name: 'link', short: 'l', kind: 'bool' },
    ]);
    const force = p.bools.has('force');
    return eachTarget(ctx, p.positionals, (id) => ctx.client().containers.remove(id, { force, v: p.bools.has('volumes') }), { verb: 'rm', ignoreNotFound: force });
  },
};
