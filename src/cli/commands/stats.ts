// strata stats [-a] [--no-stream] [--no-trunc] [--format FMT] [CONTAINER...]
// --no-stream: one sample per container (the daemon samples twice so CPU %
// has a baseline). Streaming: redraw the table on every sample.
import type { ContainerStats } from '../../client/types.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { STATS_DEFAULT, STATS_HEADERS, statsRow } from '../format/stats.ts';
import { renderRows } from '../format/template.ts';

export const command: Command = {
  usage: 'usage: strata stats [-a|--all] [--no-stream] [--no-trunc] [--format TEMPLATE] [CONTAINER...]',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'all', short: 'a', kind: 'bool' },
      { name: 'no-stream', kind: 'bool' },
      { name: 'no-trunc', kind: 'bool' },
      { name: 'format', kind: 'value' },
    ]);
    const c = ctx.client();
    const targets = p.positionals.length > 0 ? p.positionals : (await c.containers.list({ all: p.bools.has('all') })).map((x) => x.Id);
    let format = p.values.get('format') ?? STATS_DEFAULT;
    if (format === 'json') format = '{{json .}}';
    const trunc = !p.bools.has('no-trunc');
    const render = (samples: Map<string, ContainerStats>) =>
      renderRows(
        format,
        targets.flatMap((t) => (samples.has(t) ? [statsRow(samples.get(t) as ContainerStats, t, trunc)] : [])),
        STATS_HEADERS,
      );
    if (p.bools.has('no-stream')) {
      const samples = new Map<string, ContainerStats>();
      await Promise.all(targets.map(async (t) => samples.set(t, await c.containers.stats(t))));
      ctx.stdout.write(render(samples));
      return 0;
    }
    const samples = new Map<string, ContainerStats>();
    const draw = () => ctx.stdout.write(`${ctx.stdout.isTTY ? '\x1b[2J\x1b[H' : ''}${render(samples)}`);
    await Promise.all(
      targets.map(async (t) => {
        for await (const s of c.containers.statsStream(t)) {
          samples.set(t, s);
          draw();
        }
      }),
    );
    return 0;
  },
};
