// strata tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]
import { needArgs, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { splitTag } from '../format/images.ts';

export const command: Command = {
  usage: 'usage: strata tag SOURCE_IMAGE[:TAG] TARGET_IMAGE[:TAG]',
  async run(args, ctx) {
    const p = parseArgs(args, []);
    needArgs(p, 2, 'strata tag', 2);
    const [repo, tag] = splitTag(p.positionals[1] as string);
    await ctx.client().images.tag(p.positionals[0] as string, repo, tag === '<none>' ? 'latest' : tag);
    return 0;
  },
};
