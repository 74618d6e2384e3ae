// strata rmi [-f] [--no-prune] IMAGE...
import { ApiError } from '../../client/errors.ts';
import { parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';
import { describe } from '../errors.ts';

export const command: Command = {
  usage: 'usage: strata rmi [-f|--force] [--no-prune] IMAGE...',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'force', short: 'f', kind: 'bool' },
      { name: 'no-prune', kind: 'bool' },
    ]);
    if (p.positionals.length === 0) throw new UsageError('"rmi" requires at least 1 argument');
    const force = p.bools.has('force');
    let failed = false;
    for (const name of p.positionals) {
      try {
        for (const item of await ctx.client().images.remove(name, { force, noprune: p.bools.has('no-prune') })) {
          if (item.Untagged) ctx.stdout.write(`Untagged: ${item.Untagged}\n`);
          if (item.Deleted) ctx.stdout.write(`Deleted: ${item.Deleted}\n`);
        }
      } catch (e) {
        if (!(e instanceof ApiError)) throw e;
        ctx.stderr.write(`${describe(e, ctx.host)}\n`);
        if (!(force && e.status === 404)) failed = true;
      }
    }
    return failed ? 1 : 0;
  },
};
