// strata run [OPTIONS] IMAGE [COMMAND] [ARG...], in docker's order (3.3 in
// ENGINE-API.md): create (pulling once on "no such image"), attach, wait
// (headers first, so start cannot race it), start, resize; then pump the
// stdio and exit with the container's code. Daemon errors exit 125, or
// 127/126 when the command is missing / not executable, as docker run does.
import { ApiError, ConnectionError } from '../../client/errors.ts';
import type { Hijacked } from '../../client/containers.ts';
import { parseCreate } from '../container-config.ts';
import type { Command } from '../context.ts';
import { describe, ExitError } from '../errors.ts';
import { consoleSize, followWindowSize, proxySignals, pump } from '../stdio.ts';
import { createWithPull } from './create.ts';

/** docker's toStatusError: which exit code a daemon error in run gets. */
export function runErrorCode(message: string): number {
  if (/executable file not found|no such file or directory/i.test(message)) return 127;
  if (/permission denied|is a directory/i.test(message)) return 126;
  return 125;
}

function asRunError(e: unknown, host: string): unknown {
  // No daemon at all is exit 1 for every verb, run included.
  if (e instanceof ExitError || e instanceof ConnectionError) return e;
  const msg = describe(e, host);
  return new ExitError(e instanceof ApiError ? runErrorCode(e.message) : 125, msg);
}

export const command: Command = {
  usage: [
    'usage: strata run [OPTIONS] IMAGE [COMMAND] [ARG...]',
    '  -d, --detach  -i, --interactive  -t, --tty  --rm  --name NAME  -e, --env K=V',
    '  -w, --workdir DIR  -u, --user USER  -p, --publish [IP:][HOST:]PORT  -v, --volume SRC:DST',
    '  -m, --memory BYTES  --cpus N  --pids-limit N  --network NET  --entrypoint CMD',
    '  --restart no|always|unless-stopped|on-failure[:N]  -l, --label K=V  -h, --hostname NAME',
  ].join('\n'),
  async run(args, ctx) {
    const req = parseCreate(args, consoleSize(ctx));
    const p = req.parsed;
    const detach = p.bools.has('detach');
    const interactive = p.bools.has('interactive');
    const tty = p.bools.has('tty');
    if (tty && interactive && !ctx.stdin.isTTY) throw new ExitError(1, 'the input device is not a TTY');
    const c = ctx.client();
    let id: string;
    let hijacked: Hijacked | undefined;
    let waiter: Awaited<ReturnType<typeof c.containers.wait>> | undefined;
    try {
      const created = await createWithPull(ctx, req);
      id = created.Id;
      for (const w of created.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
      if (!detach) {
        hijacked = await c.containers.attach(id, { stdin: interactive, stdout: true, stderr: true, detachKeys: p.values.get('detach-keys') });
        waiter = await c.containers.wait(id, { condition: p.bools.has('rm') ? 'removed' : 'next-exit' });
      }
      await c.containers.start(id);
    } catch (e) {
      hijacked?.stream.destroy();
      throw asRunError(e, ctx.host);
    }
    if (detach || !hijacked || !waiter) {
      ctx.stdout.write(`${id}\n`);
      return 0;
    }
    const stopResize = tty ? followWindowSize(ctx, (h, w) => c.containers.resize(id, h, w)) : () => undefined;
    // sig-proxy (default on) without a TTY: our ^C becomes the container's SIGINT.
    const stopSignals = !tty && !p.falses.has('sig-proxy') ? proxySignals((s) => c.containers.kill(id, { signal: s })) : () => undefined;
    try {
      const [, result] = await Promise.all([pump(ctx, { stream: hijacked.stream, tty, stdin: interactive }), waiter.result]);
      if (result.Error?.Message) throw new ExitError(125, `Error response from daemon: ${result.Error.Message}`);
      return result.StatusCode;
    } finally {
      stopResize();
      stopSignals();
    }
  },
};
