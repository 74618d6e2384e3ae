// strata logs [-f] [--tail N] [-t] [--since T] [--until T] CONTAINER
// Inspect first (docker does): the TTY setting decides raw vs framed output.
// With -f the stream resumes across a stratad restart (log-follow.ts).
import { needArgs, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { parseTimeArg } from '../format/time.ts';
import { streamLogs } from '../log-follow.ts';

export const command: Command = {
  usage: 'usage: strata logs [-f|--follow] [-n|--tail N] [-t|--timestamps] [--since T] [--until T] CONTAINER',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'follow', short: 'f', kind: 'bool' },
      { name: 'tail', short: 'n', kind: 'value' },
      { name: 'timestamps', short: 't', kind: 'bool' },
      { name: 'since', kind: 'value' },
      { name: 'until', kind: 'value' },
      { name: 'details', kind: 'bool' },
    ]);
    needArgs(p, 1, 'strata logs', 1);
    const c = ctx.client();
    const info = await c.containers.inspect(p.positionals[0] as string);
    await streamLogs(ctx, info.Id, {
      tty: info.Config.Tty === true,
      follow: p.bools.has('follow'),
      timestamps: p.bools.has('timestamps'),
      tail: p.values.get('tail') ?? 'all',
      since: p.values.has('since') ? parseTimeArg(p.values.get('since') as string) : undefined,
      until: p.values.has('until') ? parseTimeArg(p.values.get('until') as string) : undefined,
    });
    return 0;
  },
};
