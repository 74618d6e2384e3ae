// strata lc events [--since TIME] [--filter EXPR]...: one line per event,
// "<time> <topic> <payload JSON>", until interrupted (like ctr events).
import { parseArgs, positionals, UsageError } from './args.ts';
import { api, type LcVerb } from './context.ts';

export const eventsVerb: LcVerb = {
  name: 'events',
  usage: ['events [--since RFC3339|UNIX-SECONDS] [--filter EXPR]...'],
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'since', kind: 'value' },
      { name: 'filter', short: 'f', kind: 'list' },
    ]);
    positionals(p, []);
    const since = p.values.get('since');
    const client = await api(ctx);
    const sub = await client.subscribe(p.lists.get('filter') ?? [], since === undefined ? undefined : normaliseSince(since));
    sub.onEvent((e) => ctx.stdout.write(`${e.timestamp} ${e.topic} ${compact(e.payload)}\n`));
    const stop = () => sub.close();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    try {
      await sub.done;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
    return 0;
  },
};

/** Unix seconds (as `date +%s` prints) or an RFC 3339 time, as Unix milliseconds. */
function normaliseSince(text: string): number {
  if (/^\d+(\.\d+)?$/.test(text)) return Math.floor(Number(text) * 1000);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new UsageError(`--since wants RFC 3339 or Unix seconds, got "${text}"`);
  return ms;
}

/** The payload on one line, whatever whitespace the daemon used. */
function compact(payload: unknown): string {
  if (typeof payload !== 'string') return JSON.stringify(payload);
  try {
    return JSON.stringify(JSON.parse(payload));
  } catch {
    return payload.replace(/\n/g, ' ');
  }
}
