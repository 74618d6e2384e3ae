// The workbench in a real pseudo-terminal (node-pty) read through a
// headless xterm: what a person's terminal would show, row by row, with the
// alternate screen, cursor moves and resizes all interpreted.
import { join } from 'node:path';

import xterm from '@xterm/headless';
import { spawn, type IPty } from 'node-pty';

const repo = join(import.meta.dirname, '..', '..');
export const CLI = join(repo, 'bin', 'strata');

export interface PtyApp {
  pty: IPty;
  term: xterm.Terminal;
  /** Bytes the app wrote so far. */
  bytes(): number;
  /** Everything the app wrote, escape sequences and all. */
  raw(): string;
  screen(): string;
  lines(): string[];
  write(s: string): void;
  resize(cols: number, rows: number): void;
  waitFor(what: string | RegExp, ms?: number): Promise<string>;
  exited: Promise<{ exitCode: number; signal?: number }>;
  kill(): void;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function spawnUi(args: string[], cols = 120, rows = 40, env: Record<string, string> = {}): PtyApp {
  const term = new xterm.Terminal({ cols, rows, allowProposedApi: true, scrollback: 1000 });
  const pty = spawn(process.execPath, [CLI, ...args], { name: 'xterm-256color', cols, rows, cwd: repo, env: { ...process.env, TERM: 'xterm-256color', ...env } as Record<string, string> });
  let written = 0;
  let raw = '';
  let pending = Promise.resolve();
  pty.onData((d) => {
    written += Buffer.byteLength(d);
    raw += d;
    pending = pending.then(() => new Promise<void>((r) => term.write(d, r)));
  });
  const exited = new Promise<{ exitCode: number; signal?: number }>((r) => pty.onExit(r));
  const lines = () => {
    const b = term.buffer.active;
    const out: string[] = [];
    for (let y = 0; y < term.rows; y++) out.push(b.getLine(b.viewportY + y)?.translateToString(true) ?? '');
    return out;
  };
  const app: PtyApp = {
    pty,
    term,
    bytes: () => written,
    raw: () => raw,
    lines,
    screen: () => lines().join('\n'),
    write: (s) => pty.write(s),
    resize(c, r) {
      pty.resize(c, r);
      term.resize(c, r);
    },
    async waitFor(what, ms = 20_000) {
      const deadline = Date.now() + ms;
      for (;;) {
        await pending;
        const s = app.screen();
        if (typeof what === 'string' ? s.includes(what) : what.test(s)) return s;
        if (Date.now() > deadline) throw new Error(`the screen never showed ${String(what)} in ${ms} ms; it shows:\n${s}`);
        await sleep(50);
      }
    },
    exited,
    kill: () => {
      try {
        pty.kill('SIGKILL');
      } catch {
        // gone already
      }
    },
  };
  return app;
}
