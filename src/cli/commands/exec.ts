// strata exec [-d] [-i] [-t] [-e K=V] [-w DIR] [-u USER] CONTAINER COMMAND [ARG...]
// docker's sequence: create the exec, start it hijacked, resize with a TTY,
// and once the stream ends read its exit code from /exec/{id}/json.
import { needArgs, parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';
import { ExitError } from '../errors.ts';
import { consoleSize, followWindowSize, pump } from '../stdio.ts';

export const command: Command = {
  usage: 'usage: strata exec [-d|--detach] [-i|--interactive] [-t|--tty] [-e|--env K=V] [-w|--workdir DIR] [-u|--user USER] [--privileged] CONTAINER COMMAND [ARG...]',
  async run(args, ctx) {
    const p = parseArgs(
      args,
      [
        { name: 'detach', short: 'd', kind: 'bool' },
        { name: 'interactive', short: 'i', kind: 'bool' },
        { name: 'tty', short: 't', kind: 'bool' },
        { name: 'env', short: 'e', kind: 'list' },
        { name: 'workdir', short: 'w', kind: 'value' },
        { name: 'user', short: 'u', kind: 'value' },
        { name: 'privileged', kind: 'bool' },
        { name: 'detach-keys', kind: 'value' },
      ],
      { stopAfter: 1 },
    );
    needArgs(p, 2, 'strata exec');
    const [container, ...cmd] = p.positionals as [string, ...string[]];
    if (cmd.length === 0) throw new UsageError('"exec" requires at least 2 arguments');
    const detach = p.bools.has('detach');
    const interactive = p.bools.has('interactive');
    const tty = p.bools.has('tty');
    if (tty && interactive && !ctx.stdin.isTTY) throw new ExitError(1, 'the input device is not a TTY');
    const c = ctx.client();
    const size = tty ? consoleSize(ctx) : undefined;
    const { Id } = await c.exec.create(container, {
      Cmd: cmd,
      User: p.values.get('user') ?? '',
      Privileged: p.bools.has('privileged'),
      Tty: tty,
      ...(size ? { ConsoleSize: size } : {}),
      AttachStdin: interactive && !detach,
      AttachStdout: !detach,
      AttachStderr: !detach,
      Detach: detach,
      Env: p.lists.get('env') ?? [],
      WorkingDir: p.values.get('workdir') ?? '',
      ...(p.values.has('detach-keys') ? { DetachKeys: p.values.get('detach-keys') } : {}),
    });
    if (detach) {
      await c.exec.startDetached(Id, { tty });
      return 0;
    }
    const h = await c.exec.start(Id, { tty, consoleSize: size });
    const stopResize = tty ? followWindowSize(ctx, (rows, cols) => c.exec.resize(Id, rows, cols)) : () => undefined;
    try {
      await pump(ctx, { stream: h.stream, tty, stdin: interactive });
    } finally {
      stopResize();
    }
    const info = await c.exec.inspect(Id);
    return info.ExitCode ?? 0;
  },
};
