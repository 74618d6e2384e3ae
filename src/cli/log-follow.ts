// `logs -f` that survives a stratad restart: the stream is always fetched
// with timestamps, the last one seen is the cursor, and when the connection
// drops while the container still runs we wait for the daemon, ask again
// with since=<cursor> (inclusive, so the entries at the cursor's exact
// time come again and the ones already printed are skipped by count), and
// carry on. Nothing is lost and nothing printed twice. Timestamps are
// stripped again unless the user asked for them.
import type { Readable } from 'node:stream';

import type { Client } from '../client/client.ts';
import { ApiError } from '../client/errors.ts';
import { FrameDecoder, StreamError } from '../client/demux.ts';
import type { Ctx } from './context.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface FollowOptions {
  tty: boolean;
  follow: boolean;
  timestamps: boolean;
  tail: string;
  since?: string;
  until?: string;
  /** How long to wait for a restarting daemon before giving up. */
  reconnectMs?: number;
}

interface Cursor {
  ts: string;
  /** Entries printed with exactly this timestamp. */
  seen: number;
}

/** "2026-11-23T10:00:00.123456789Z" -> "1795428000.123456789" (the API's since form). */
export function tsToUnix(ts: string): string {
  const m = /^(.{19})(?:\.(\d+))?Z$/.exec(ts);
  if (!m) return String(Math.floor(Date.parse(ts) / 1000));
  return `${Date.parse(`${m[1]}Z`) / 1000}.${(m[2] ?? '0').padEnd(9, '0')}`;
}

/** Filter entries of one pass against the cursor and advance it. */
export class EntryGate {
  private cursor: Cursor | undefined;
  private start: Cursor | undefined;
  private againAtStart = 0;

  /** Call at the start of each pass (each request). */
  pass(): void {
    this.start = this.cursor ? { ...this.cursor } : undefined;
    this.againAtStart = 0;
  }

  /** Whether an entry with this timestamp is new; records it when it is. */
  admit(ts: string): boolean {
    const s = this.start;
    if (s && ts < s.ts) return false;
    if (s && ts === s.ts && this.againAtStart++ < s.seen) return false;
    if (this.cursor && this.cursor.ts === ts) this.cursor.seen++;
    else this.cursor = { ts, seen: 1 };
    return true;
  }

  get since(): string | undefined {
    return this.cursor ? tsToUnix(this.cursor.ts) : undefined;
  }
}

function splitEntry(text: string): [string, string] {
  const sp = text.indexOf(' ');
  return sp < 0 ? [text, ''] : [text.slice(0, sp), text.slice(sp + 1)];
}

async function consume(res: Readable, tty: boolean, emit: (stream: 1 | 2, ts: string, rest: string) => void): Promise<void> {
  if (tty) {
    let buf = '';
    for await (const chunk of res) {
      buf += (chunk as Buffer).toString('utf8');
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const [ts, rest] = splitEntry(buf.slice(0, nl + 1));
        buf = buf.slice(nl + 1);
        emit(1, ts, rest);
      }
    }
    if (buf) emit(1, ...splitEntry(buf));
    return;
  }
  const decoder = new FrameDecoder();
  for await (const chunk of res) {
    for (const f of decoder.push(chunk as Buffer)) {
      if (f.stream === 3) throw new StreamError(`error from daemon in stream: ${f.payload.toString('utf8')}`);
      // One frame per log entry; a long entry's lines each carry a timestamp.
      const text = f.payload.toString('utf8');
      for (const line of text.split(/(?<=\n)/)) if (line) emit(f.stream === 2 ? 2 : 1, ...splitEntry(line));
    }
  }
}

/** Running state once the daemon answers again, or throw after ms. */
async function stateAfterOutage(c: Client, id: string, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    try {
      return (await c.containers.inspect(id)).State.Running;
    } catch (e) {
      if (e instanceof ApiError || Date.now() > deadline) throw e;
      await sleep(100);
    }
  }
}

export async function streamLogs(ctx: Ctx, id: string, o: FollowOptions): Promise<void> {
  const c = ctx.client();
  const gate = new EntryGate();
  const emit = (stream: 1 | 2, ts: string, rest: string) => {
    if (!gate.admit(ts)) return;
    (stream === 2 ? ctx.stderr : ctx.stdout).write(o.timestamps ? `${ts} ${rest}` : rest);
  };
  for (let first = true; ; first = false) {
    gate.pass();
    let lost = false;
    try {
      const res = await c.containers.logs(id, { follow: o.follow, timestamps: true, tail: first ? o.tail : 'all', since: first ? o.since : (gate.since ?? o.since), until: o.until });
      await consume(res, o.tty, emit);
    } catch (e) {
      if (e instanceof ApiError || e instanceof StreamError || !o.follow) throw e;
      lost = true; // the daemon went away mid-stream (restart): resume below
    }
    if (!o.follow) return;
    const running = await stateAfterOutage(c, id, o.reconnectMs ?? 60_000);
    // A clean end for a stopped container is the normal end of -f; after a
    // lost connection one more pass picks up what was written meanwhile.
    if (!running && !lost) return;
    if (!lost) await sleep(100);
  }
}
