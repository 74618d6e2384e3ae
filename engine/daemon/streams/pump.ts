// Joining a hijacked client connection to lifecycled attach sessions
// (container attach and exec start): output chunks become frames (no TTY) or
// raw bytes (TTY); client bytes become the process's stdin.  The connection
// is ended when the process's output ends; the caller's `beforeEnd` runs first
// (exec records its exit code there: `docker exec` asks for it right after EOF).
import type { Duplex } from 'node:stream';

import type { AttachChunk, AttachSession } from '../../lifecycle/api-types.ts';
import { STDERR, STDOUT, frame } from './frames.ts';

/** Drain a session's output in the background (a stdin-only session still has to be read to its end). */
export function drain(output: AsyncIterable<AttachChunk>): void {
  void (async () => {
    try {
      for await (const _ of output) {
        /* discard */
      }
    } catch {
      /* ended */
    }
  })();
}

export interface PumpOptions {
  tty: boolean;
  /** Where client bytes go (the process's stdin); none: they are read and dropped. */
  stdin?: AttachSession;
  /** Close the process's stdin when the client half-closes (Docker's StdinOnce; always for exec). */
  closeStdinOnEof: boolean;
  beforeEnd?: () => Promise<void>;
}

/**
 * Pump until the output ends or the client goes away.  Pause `conn` as soon
 * as it is hijacked: a flowing socket with no listener drops stdin.
 */
export async function pump(conn: Duplex, session: AttachSession, output: AsyncIterable<AttachChunk>, o: PumpOptions): Promise<void> {
  let clientGone = false;
  conn.on('error', () => undefined);
  conn.on('close', () => {
    clientGone = true;
    session.close();
    o.stdin?.close();
  });
  const stdin = o.stdin;
  if (stdin) {
    conn.on('data', (d: Buffer) => stdin.write(d));
    conn.on('end', () => {
      if (o.closeStdinOnEof) stdin.closeStdin();
    });
  } else {
    // Nothing to forward, but keep reading so a half-close is noticed and buffers do not fill.
    conn.on('data', () => undefined);
  }
  conn.resume();
  try {
    for await (const chunk of output) {
      if (clientGone) break;
      const data = Buffer.from(chunk.data);
      if (data.length === 0) continue;
      const out = o.tty ? data : frame(chunk.stream === 2 ? STDERR : STDOUT, data);
      if (!conn.write(out)) await waitDrain(conn);
    }
  } catch {
    /* the session failed (lifecycled went away, attach refused): end the client's stream */
  } finally {
    try {
      await o.beforeEnd?.();
    } finally {
      if (!clientGone) conn.end();
    }
  }
}

function waitDrain(conn: Duplex): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      conn.off('drain', done);
      conn.off('close', done);
      resolve();
    };
    conn.on('drain', done);
    conn.on('close', done);
  });
}
