// strata push [-q] NAME[:TAG]   (no tag: every local tag of the repository)
import { needArgs, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { ProgressView } from '../pull-progress.ts';

export const command: Command = {
  usage: 'usage: strata push [OPTIONS] NAME[:TAG]\n  -q, --quiet   Suppress verbose output',
  async run(args, ctx) {
    const p = parseArgs(args, [{ name: 'quiet', short: 'q', kind: 'bool' }]);
    needArgs(p, 1, 'strata push', 1);
    const ref = p.positionals[0] as string;
    const colon = ref.lastIndexOf(':');
    const hasTag = colon > ref.lastIndexOf('/');
    const name = hasTag ? ref.slice(0, colon) : ref;
    const tag = hasTag ? ref.slice(colon + 1) : '';
    const quiet = p.bools.has('quiet');
    const view = new ProgressView(ctx.stdout);
    for await (const m of ctx.client().images.push(name, { tag })) {
      if (!quiet) view.update(m);
    }
    if (quiet) ctx.stdout.write(`${ref}\n`);
    return 0;
  },
};
