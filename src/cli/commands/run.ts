// strata run [OPTIONS] IMAGE [COMMAND] [ARG...], in docker's order (3.3 in
// ENGINE-API.md): create (pulling once on "no such image"), attach, wait
// (headers first, so start cannot race it), start, resize; then pump the
// stdio and exit with the container's code. Daemon errors exit 125, or
// 127/126 when the command is missing / not executable, as docker run does.
// All its calls carry one X-Strata-Trace; once the container has started,
// its own spans (one per call, under a "run" span) go to the daemon's trace
// (STRATA-API.md), best-effort: a daemon without /strata/ is left alone.
import { randomBytes } from 'node:crypto';

import type { Client } from '../../client/client.ts';
import { ApiError, ConnectionError } from '../../client/errors.ts';
import { StrataApi, type Span } from '../../client/strata.ts';
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

const spanId = () => randomBytes(8).toString('hex');

/** The run's client spans: each call timed, sent with X-Strata-Parent-Span so stratad's span hangs under it. */
function runTrace(c: Client) {
  const id = randomBytes(16).toString('hex');
  const now = () => performance.timeOrigin + performance.now();
  const root = { spanId: spanId(), start: now(), t0: performance.now() };
  const spans: Span[] = [];
  c.transport.setHeader('X-Strata-Trace', id);
  return {
    async step<T>(name: string, fn: () => Promise<T>): Promise<T> {
      const s = spanId();
      const start = now();
      const t0 = performance.now();
      c.transport.setHeader('X-Strata-Parent-Span', s);
      try {
        return await fn();
      } finally {
        c.transport.setHeader('X-Strata-Parent-Span', root.spanId);
        spans.push({ spanId: s, parentId: root.spanId, layer: 'client', name, start, durationMs: performance.now() - t0 });
      }
    },
    async post(): Promise<void> {
      // The run's calls are over: later ones (resize, kill) and this post are not part of it.
      c.transport.setHeader('X-Strata-Trace', undefined);
      c.transport.setHeader('X-Strata-Parent-Span', undefined);
      const all: Span[] = [{ spanId: root.spanId, parentId: null, layer: 'client', name: 'run', start: root.start, durationMs: performance.now() - root.t0 }, ...spans];
      await new StrataApi(c.transport).postSpans(id, all).catch(() => undefined);
    },
  };
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
    const trace = runTrace(c);
    let id: string;
    let hijacked: Hijacked | undefined;
    let waiter: Awaited<ReturnType<typeof c.containers.wait>> | undefined;
    try {
      const created = await trace.step('POST /containers/create', () => createWithPull(ctx, req));
      const cid = created.Id;
      id = cid;
      for (const w of created.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
      if (!detach) {
        hijacked = await trace.step('POST /containers/{id}/attach', () => c.containers.attach(cid, { stdin: interactive, stdout: true, stderr: true, detachKeys: p.values.get('detach-keys') }));
        waiter = await trace.step('POST /containers/{id}/wait', () => c.containers.wait(cid, { condition: p.bools.has('rm') ? 'removed' : 'next-exit' }));
      }
      await trace.step('POST /containers/{id}/start', () => c.containers.start(cid));
    } catch (e) {
      hijacked?.stream.destroy();
      throw asRunError(e, ctx.host);
    }
    await trace.post();
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
