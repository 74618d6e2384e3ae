// strata engine start|stop|status|restart [daemon|lifecycle]
//   [--data-root DIR] [--exec-root DIR] [--host unix://SOCK]
// Runs strata-lifecycled and stratad detached (pid files and logs under the
// exec root). start returns once the API answers; stop leaves containers
// running (their shims own them); restart of one layer keeps containers up.
import { parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';
import { startLayer, status, stopLayer } from '../engine/control.ts';
import { DAEMON, LAYERS, type EngineRoots, type Layer } from '../engine/layers.ts';
import { alignColumns } from '../format/table.ts';

const USAGE = [
  'usage: strata engine start|stop|status|restart [daemon|lifecycle] [--data-root DIR] [--exec-root DIR] [-H|--host unix://SOCK]',
  '  defaults: --data-root /var/lib/strata  --exec-root /run/strata  --host unix:///run/strata/strata.sock',
].join('\n');

function pickLayers(which: string | undefined): Layer[] {
  if (which === undefined) return LAYERS;
  const l = LAYERS.find((x) => x.name === which);
  if (!l) throw new UsageError(`unknown engine layer "${which}": expected daemon or lifecycle`);
  return [l];
}

export const command: Command = {
  usage: USAGE,
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'data-root', kind: 'value' },
      { name: 'exec-root', kind: 'value' },
      { name: 'host', short: 'H', kind: 'value' },
    ]);
    const [action, which, ...extra] = p.positionals;
    if (extra.length > 0) throw new UsageError(`unexpected arguments: ${extra.join(' ')}`);
    const host = p.values.get('host') ?? (ctx.host.startsWith('unix://') ? ctx.host : 'unix:///run/strata/strata.sock');
    if (!host.startsWith('unix:///')) throw new UsageError(`--host must be a unix:///path socket, not "${host}"`);
    const roots: EngineRoots = { dataRoot: p.values.get('data-root') ?? '/var/lib/strata', execRoot: p.values.get('exec-root') ?? '/run/strata', host };
    const layers = pickLayers(which);
    const out = ctx.stdout;
    const start = async (ls: Layer[]) => {
      for (const l of ls) {
        const r = await startLayer(l, roots);
        out.write(`${l.binary}: ${r.started ? 'started' : 'already running'} (pid ${r.pid}) at ${l.address(roots)}\n`);
      }
    };
    const stop = async (ls: Layer[]) => {
      for (const l of [...ls].reverse()) out.write(`${l.binary}: ${await stopLayer(l, roots)}\n`);
    };
    switch (action) {
      case 'start':
        await start(layers);
        return 0;
      case 'stop':
        await stop(layers);
        return 0;
      case 'restart':
        await stop(layers);
        await start(layers);
        // Restarting lifecycled under a running stratad: return once the API answers again.
        if (!layers.includes(DAEMON) && (await status(DAEMON, roots)).running) await startLayer(DAEMON, roots);
        return 0;
      case 'status': {
        const rows = await Promise.all(layers.map((l) => status(l, roots)));
        const lines = ['LAYER\tPID\tSTATE\tADDRESS', ...rows.map((s) => `${s.layer.binary}\t${s.pid ?? '-'}\t${s.running ? (s.answers ? 'running' : 'not answering') : s.answers ? 'answering (not ours)' : 'stopped'}\t${s.layer.address(roots)}`)];
        out.write(alignColumns(lines));
        return rows.every((s) => s.running && s.answers) ? 0 : 1;
      }
      default:
        throw new UsageError(action === undefined ? 'engine needs an action' : `unknown engine action "${action}"`);
    }
  },
};
