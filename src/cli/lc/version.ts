// strata lc version: the client's and the daemon's versions (like ctr version).
import pkg from '../../../package.json' with { type: 'json' };

import { parseArgs, positionals } from './args.ts';
import { api, type LcVerb } from './context.ts';

export const versionVerb: LcVerb = {
  name: 'version',
  usage: ['version'],
  async run(args, ctx) {
    positionals(parseArgs(args, []), []);
    ctx.stdout.write(`Client:\n  Version:  ${pkg.version}\n\n`);
    const v = await (await api(ctx)).version();
    ctx.stdout.write(`Server:\n  Version:  ${v.version}\n  Revision: ${v.revision}\n`);
    return 0;
  },
};
