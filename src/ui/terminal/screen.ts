// The terminal around Ink 6 (which has no alternate-screen option before
// Ink 7): enter and leave the alternate screen, restore the cursor, and put
// the terminal back however the process ends (q, SIGHUP when the SSH session
// dies, SIGTERM, EIO on a lost terminal).
export const ENTER_ALT = '\x1b[?1049h\x1b[H\x1b[2J';
export const LEAVE_ALT = '\x1b[?1049l';
export const SHOW_CURSOR = '\x1b[?25h';
// Synchronized output off and SGR reset too, in case we died mid-frame.
export const RESTORE = `\x1b[?2026l\x1b[0m${SHOW_CURSOR}${LEAVE_ALT}`;

/** OSC 52: the terminal (and tmux with set-clipboard) puts text on the clipboard, also over SSH. */
export function osc52(text: string): string {
  return `\x1b]52;c;${Buffer.from(text, 'utf8').toString('base64')}\x07`;
}

export interface ScreenGuard {
  /** Leave the alternate screen and drop the handlers (idempotent). */
  release(): void;
}

/** Enter the alternate screen; on a fatal signal or a lost terminal, restore it and call onLost. */
export function takeScreen(out: NodeJS.WriteStream, input: NodeJS.ReadStream, onLost: (why: string) => void): ScreenGuard {
  out.write(ENTER_ALT);
  let released = false;
  const lost = (why: string) => () => {
    if (released) return;
    guard.release();
    onLost(why);
  };
  const onHup = lost('SIGHUP');
  const onTerm = lost('SIGTERM');
  const onIoError = (e: NodeJS.ErrnoException) => {
    // EIO: the pty's other side is gone (the SSH session closed).
    if (e.code === 'EIO' || e.code === 'EPIPE' || e.code === 'ENXIO') lost(e.code)();
  };
  // Anything written to stderr while we own the screen (a Node warning, a
  // library's complaint) would scroll the frame and garble it: hold it and
  // print it once the primary screen is back.
  const held: string[] = [];
  const stderrWrite = process.stderr.write.bind(process.stderr);
  const capture = ((chunk: string | Uint8Array, ...rest: unknown[]): boolean => {
    held.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
    const cb = rest.find((x) => typeof x === 'function') as (() => void) | undefined;
    cb?.();
    return true;
  }) as typeof process.stderr.write;
  if (process.stderr.isTTY) process.stderr.write = capture;
  process.on('SIGHUP', onHup);
  process.on('SIGTERM', onTerm);
  input.on('error', onIoError);
  out.on('error', onIoError);
  const guard: ScreenGuard = {
    release() {
      if (released) return;
      released = true;
      process.off('SIGHUP', onHup);
      process.off('SIGTERM', onTerm);
      input.off('error', onIoError);
      out.off('error', onIoError);
      if (process.stderr.write === capture) process.stderr.write = stderrWrite;
      try {
        out.write(RESTORE);
        if (held.length > 0) stderrWrite(held.join(''));
      } catch {
        // The terminal is gone: nothing to restore.
      }
    },
  };
  return guard;
}
