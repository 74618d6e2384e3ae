// strata save [-o FILE] IMAGE...: the images as one tar, to FILE or stdout.
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';

import { parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';
import { ExitError } from '../errors.ts';

export const command: Command = {
  usage: 'usage: strata save [-o|--output FILE] IMAGE...',
  async run(args, ctx) {
    const p = parseArgs(args, [{ name: 'output', short: 'o', kind: 'value' }]);
    if (p.positionals.length === 0) throw new UsageError('"save" requires at least 1 argument');
    const out = p.values.get('output');
    if (!out && ctx.stdout.isTTY) throw new ExitError(1, 'cowardly refusing to save to a terminal. Use the -o flag or redirect');
    const tar = await ctx.client().images.save(p.positionals);
    if (out) await pipeline(tar, createWriteStream(out));
    else for await (const c of tar) if (!ctx.stdout.write(c as Buffer)) await new Promise((r) => ctx.stdout.once('drain', r));
    return 0;
  },
};
