// strata load [-i FILE] [-q]: a `save` tar from FILE or stdin.
import { createReadStream } from 'node:fs';

import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { ExitError } from '../errors.ts';

export const command: Command = {
  usage: 'usage: strata load [-i|--input FILE] [-q|--quiet]',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'input', short: 'i', kind: 'value' },
      { name: 'quiet', short: 'q', kind: 'bool' },
    ]);
    const file = p.values.get('input');
    if (!file && ctx.stdin.isTTY) throw new ExitError(1, 'requested load from stdin, but stdin is empty');
    const input = file ? createReadStream(file) : ctx.stdin;
    for await (const m of ctx.client().images.load(input, { quiet: p.bools.has('quiet') || !ctx.stdout.isTTY })) {
      if (m.stream) ctx.stdout.write(m.stream);
      else if (m.status && !p.bools.has('quiet')) ctx.stdout.write(`${m.status}\n`);
    }
    return 0;
  },
};
