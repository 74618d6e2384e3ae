// strata start [-a] [-i] CONTAINER...
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { eachTarget } from '../each.ts';
import { pump } from '../stdio.ts';

export const command: Command = {
  usage: 'usage: strata start [-a|--attach] [-i|--interactive] CONTAINER...',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'attach', short: 'a', kind: 'bool' },
      { name: 'interactive', short: 'i', kind: 'bool' },
    ]);
    const c = ctx.client();
    if (p.bools.has('attach') && p.positionals.length === 1) {
      const id = p.positionals[0] as string;
      const info = await c.containers.inspect(id);
      const stdin = p.bools.has('interactive') && info.Config.OpenStdin === true;
      const h = await c.containers.attach(id, { stdin, stdout: true, stderr: true });
      const waiter = await c.containers.wait(id, { condition: 'next-exit' });
      await c.containers.start(id);
      const [, r] = await Promise.all([pump(ctx, { stream: h.stream, tty: info.Config.Tty === true, stdin }), waiter.result]);
      return r.StatusCode;
    }
    return eachTarget(ctx, p.positionals, (id) => c.containers.start(id), { verb: 'start' });
  },
};
