// Hand the whole terminal to a child (exec's shell, logs -f) and take it
// back: the caller has unmounted Ink; here the alternate screen is left, the
// cursor shown, raw mode off and stdin PAUSED (a paused stream stops Node
// reading the tty, so the child's shell owns every key and Node does not die
// with EIO when the shell takes the foreground), ctrl-c ignored by us (the
// child shares our process group), then everything back in reverse order.
import { spawn } from 'node:child_process';

import { ENTER_ALT, LEAVE_ALT, SHOW_CURSOR } from './screen.ts';

export interface Handover {
  /** Printed on the primary screen before the child starts: what runs and how to return. */
  banner: string;
  command: string;
  args: string[];
}

export async function handOver(out: NodeJS.WriteStream, input: NodeJS.ReadStream, h: Handover): Promise<number> {
  out.write(`${LEAVE_ALT}${SHOW_CURSOR}\x1b[0m`);
  if (input.isTTY) input.setRawMode(false);
  input.pause();
  // A clean primary screen: the child's output starts at the top, under what it is and how to return.
  out.write(`\x1b[H\x1b[2J${h.banner}\n`);
  const ignore = () => undefined;
  process.on('SIGINT', ignore);
  try {
    return await new Promise<number>((resolve) => {
      const child = spawn(h.command, h.args, { stdio: 'inherit' });
      child.once('error', (e) => {
        out.write(`strata ui: cannot start ${h.command}: ${e.message}\n`);
        resolve(127);
      });
      child.once('exit', (code, sig) => resolve(code ?? (sig ? 128 : 1)));
    });
  } finally {
    process.off('SIGINT', ignore);
    out.write(ENTER_ALT);
  }
}
