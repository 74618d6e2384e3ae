// strata logout [SERVER]: forget the credentials docker login / strata login stored.
import { removeAuth, serverKey } from '../../client/auth.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { ExitError } from '../errors.ts';

export const command: Command = {
  usage: 'usage: strata logout [SERVER]',
  async run(args, ctx) {
    const p = parseArgs(args, []);
    if (p.positionals.length > 1) throw new ExitError(125, '"strata logout" requires at most 1 argument');
    const server = serverKey(p.positionals[0]);
    if (removeAuth(server)) ctx.stdout.write(`Removing login credentials for ${server}\n`);
    else ctx.stdout.write(`Not logged in to ${server}\n`);
    return 0;
  },
};
