// The terminal side of an attached container or exec: stdin into the
// hijacked stream, its output to stdout/stderr (demultiplexed unless it is a
// TTY), raw mode while a TTY session runs (always restored), the window
// size sent now and on every SIGWINCH, and signals forwarded to the
// container when there is no TTY to carry ^C (docker's sig-proxy).
import { spawnSync } from 'node:child_process';
import type { Duplex } from 'node:stream';

import { demuxStream } from '../client/demux.ts';
import type { Ctx } from './context.ts';

export interface Session {
  stream: Duplex;
  /** The container/exec has a TTY: output is raw bytes, not frames. */
  tty: boolean;
  /** Forward our stdin (-i). */
  stdin: boolean;
}

/** Pump a hijacked session until the daemon ends its output. */
export async function pump(ctx: Ctx, s: Session): Promise<void> {
  const raw = s.tty && s.stdin && ctx.stdin.isTTY === true;
  if (raw) {
    ctx.stdin.setRawMode(true);
    // libuv's raw mode keeps output post-processing (ONLCR), so the
    // container's "\r\n" would reach the screen as "\r\r\n"; docker's raw
    // mode clears OPOST. setRawMode(false) restores the saved termios.
    if (ctx.stdin === process.stdin) spawnSync('stty', ['-opost'], { stdio: ['inherit', 'ignore', 'ignore'] });
  }
  try {
    if (s.stdin) ctx.stdin.pipe(s.stream);
    // A reset after the process ended is how some daemons close: not an error.
    const ended = new Promise<void>((resolve, reject) => {
      s.stream.once('error', (e: NodeJS.ErrnoException) => (e.code === 'ECONNRESET' || e.code === 'EPIPE' ? resolve() : reject(e)));
      s.stream.once('close', resolve);
    });
    if (s.tty) {
      s.stream.pipe(ctx.stdout, { end: false });
      await Promise.race([ended, new Promise<void>((r) => s.stream.once('end', r))]);
    } else await Promise.race([demuxStream(s.stream, ctx.stdout, ctx.stderr), ended]);
  } finally {
    if (s.stdin) {
      ctx.stdin.unpipe(s.stream);
      ctx.stdin.pause();
    }
    if (raw) ctx.stdin.setRawMode(false);
    s.stream.destroy();
  }
}

/** Send the terminal size now and on every resize; returns the unsubscribe. */
export function followWindowSize(ctx: Ctx, resize: (h: number, w: number) => Promise<unknown>): () => void {
  if (!ctx.stdout.isTTY) return () => undefined;
  const send = () => {
    const { rows, columns } = ctx.stdout;
    if (rows && columns) resize(rows, columns).catch(() => undefined);
  };
  send();
  process.on('SIGWINCH', send);
  return () => process.off('SIGWINCH', send);
}

const PROXIED: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT', 'SIGUSR1', 'SIGUSR2'];

/** Forward our signals to the container (by name); returns the unsubscribe. */
export function proxySignals(kill: (signal: string) => Promise<unknown>): () => void {
  const handlers = PROXIED.map((sig) => {
    const h = () => void kill(sig).catch(() => undefined);
    process.on(sig, h);
    return [sig, h] as const;
  });
  return () => handlers.forEach(([sig, h]) => process.off(sig, h));
}

/** The terminal's size as [rows, columns] for ConsoleSize, when stdout is one. */
export function consoleSize(ctx: Ctx): [number, number] | undefined {
  return ctx.stdout.isTTY && ctx.stdout.rows && ctx.stdout.columns ? [ctx.stdout.rows, ctx.stdout.columns] : undefined;
}
