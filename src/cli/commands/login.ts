// strata login [-u USER] [-p PASS | --password-stdin] [SERVER]: the daemon
// checks the credentials against the registry (POST /auth); on success they
// are kept in $DOCKER_CONFIG/config.json (~/.docker/config.json) as docker does.
import { createInterface } from 'node:readline';

import { saveAuth, serverKey, storedAuth, login } from '../../client/auth.ts';
import { parseArgs } from '../args.ts';
import type { Command, Ctx } from '../context.ts';
import { ExitError } from '../errors.ts';

async function readStdin(ctx: Ctx): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of ctx.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

function prompt(ctx: Ctx, question: string, hidden: boolean): Promise<string> {
  return new Promise((resolve) => {
    const rl = createInterface({ input: ctx.stdin, output: ctx.stdout, terminal: true });
    if (hidden) {
      // Echo nothing while the password is typed.
      (rl as unknown as { _writeToOutput: (s: string) => void })._writeToOutput = (s: string) => {
        if (s.includes(question)) ctx.stdout.write(question);
      };
    }
    rl.question(question, (answer) => {
      rl.close();
      if (hidden) ctx.stdout.write('\n');
      resolve(answer);
    });
  });
}

export const command: Command = {
  usage: 'usage: strata login [OPTIONS] [SERVER]\n  -u, --username string   Username\n  -p, --password string   Password\n      --password-stdin    Take the password from stdin',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'username', short: 'u', kind: 'value' },
      { name: 'password', short: 'p', kind: 'value' },
      { name: 'password-stdin', kind: 'bool' },
    ]);
    if (p.positionals.length > 1) throw new ExitError(125, '"strata login" requires at most 1 argument');
    const server = serverKey(p.positionals[0]);
    let username = p.values.get('username');
    let password = p.values.get('password');
    if (p.bools.has('password-stdin')) {
      if (password) throw new ExitError(125, '--password and --password-stdin are mutually exclusive');
      if (!username) throw new ExitError(125, 'Must provide --username with --password-stdin');
      password = await readStdin(ctx);
    }
    if (!username || !password) {
      if (!ctx.stdin.isTTY) throw new ExitError(1, 'Error: Cannot perform an interactive login from a non TTY device');
      const stored = storedAuth(server);
      username ||= (await prompt(ctx, `Username${stored?.username ? ` (${stored.username})` : ''}: `, false)) || stored?.username || '';
      if (!username) throw new ExitError(1, 'Error: Non-null Username Required');
      password ||= await prompt(ctx, 'Password: ', true);
      if (!password) throw new ExitError(1, 'Error: Password Required');
    }
    const r = await login(ctx.client().transport, { username, password, serveraddress: server });
    const path = saveAuth(server, username, password);
    ctx.stderr.write(`WARNING! Your password will be stored unencrypted in ${path}.\n`);
    ctx.stdout.write(`${r.Status || 'Login Succeeded'}\n`);
    return 0;
  },
};
