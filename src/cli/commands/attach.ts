// strata attach [--no-stdin] [--sig-proxy=false] CONTAINER: join a running
// container's stdio; exits with its code when it stops.
import { needArgs, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { ExitError } from '../errors.ts';
import { followWindowSize, proxySignals, pump } from '../stdio.ts';

export const command: Command = {
  usage: 'usage: strata attach [--no-stdin] [--sig-proxy=false] [--detach-keys KEYS] CONTAINER',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'no-stdin', kind: 'bool' },
      { name: 'sig-proxy', kind: 'bool' },
      { name: 'detach-keys', kind: 'value' },
    ]);
    needArgs(p, 1, 'strata attach', 1);
    const c = ctx.client();
    const info = await c.containers.inspect(p.positionals[0] as string);
    if (!info.State.Running) throw new ExitError(1, 'You cannot attach to a stopped container, start it first');
    if (info.State.Paused) throw new ExitError(1, 'You cannot attach to a paused container, unpause it first');
    const tty = info.Config.Tty === true;
    const stdin = !p.bools.has('no-stdin') && info.Config.OpenStdin === true;
    const waiter = await c.containers.wait(info.Id);
    const h = await c.containers.attach(info.Id, { stdin, stdout: true, stderr: true, detachKeys: p.values.get('detach-keys') });
    const stopResize = tty ? followWindowSize(ctx, (rows, cols) => c.containers.resize(info.Id, rows, cols)) : () => undefined;
    const stopSignals = !tty && !p.falses.has('sig-proxy') ? proxySignals((s) => c.containers.kill(info.Id, { signal: s })) : () => undefined;
    try {
      await pump(ctx, { stream: h.stream, tty, stdin });
      return (await waiter.result).StatusCode;
    } finally {
      stopResize();
      stopSignals();
    }
  },
};
