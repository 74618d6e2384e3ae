// strata lc kill [-a] [-s SIGNAL] [--exec-id X] ID  |  strata lc kill ID [SIGNAL]
import { parseArgs, positionals, UsageError } from './args.ts';
import { api, type LcVerb } from './context.ts';
import { parseSignal } from './signals.ts';

export const killVerb: LcVerb = {
  name: 'kill',
  usage: ['kill [-a] [-s SIGNAL] [--exec-id X] ID', 'kill ID [SIGNAL]'],
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'signal', short: 's', kind: 'value' },
      { name: 'all', short: 'a', kind: 'bool' },
      { name: 'exec-id', kind: 'value' },
    ]);
    const [id, positional] = positionals(p, ['ID'], ['SIGNAL']) as [string, string | undefined];
    if (positional !== undefined && p.values.has('signal')) throw new UsageError('give the signal once: -s SIGNAL or after the ID');
    const text = p.values.get('signal') ?? positional ?? 'TERM';
    const signal = parseSignal(text);
    if (signal === undefined) throw new UsageError(`unknown signal "${text}"`);
    await (await api(ctx)).kill(id, signal, { all: p.bools.has('all'), execId: p.values.get('exec-id') });
    return 0;
  },
};
