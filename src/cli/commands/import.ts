// strata import [-m MSG] [-c CHANGE] FILE|- [REPOSITORY[:TAG]]: a root
// filesystem tar becomes an image; prints its ID.
import { createReadStream } from 'node:fs';

import { parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';

export const command: Command = {
  usage: 'usage: strata import [-m|--message MSG] [-c|--change INSTRUCTION] FILE|- [REPOSITORY[:TAG]]',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'message', short: 'm', kind: 'value' },
      { name: 'change', short: 'c', kind: 'list' },
      { name: 'platform', kind: 'value' },
    ]);
    const [src, ref] = p.positionals;
    if (src === undefined || p.positionals.length > 2) throw new UsageError('"import" requires 1 or 2 arguments');
    if (/^https?:\/\//.test(src)) throw new UsageError('importing from a URL is not supported');
    const input = src === '-' ? ctx.stdin : createReadStream(src);
    let last = '';
    for await (const m of ctx.client().images.import(input, { repo: ref, message: p.values.get('message'), changes: p.lists.get('change') })) {
      if (m.status) last = m.status;
    }
    ctx.stdout.write(`${last}\n`);
    return 0;
  },
};
