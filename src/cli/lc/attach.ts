// Foreground plumbing shared by `run` and `tasks exec`: attach before start
// (so no early output is lost), forward our stdin, and with a terminal put our
// tty in raw mode and follow SIGWINCH; wait for the exit and the end of the
// output, give the terminal back, and return the process's exit status.
import type { Attachment, LcApi } from './api.ts';

export interface AttachOptions {
  execId?: string;
  terminal: boolean;
  stdin: boolean;
  /** Start the (already created) process once attached. */
  start: boolean;
}

const PROXIED_SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGQUIT'];

export async function attachAndWait(client: LcApi, id: string, opts: AttachOptions): Promise<number> {
  const { execId, terminal } = opts;
  const stdin = process.stdin;
  const tty = terminal && stdin.isTTY === true;
  // Output is attached before start so nothing early is missed.  An exec's
  // stdin only exists once it runs (the shim makes its pipes at start), so
  // for an exec stdin gets a second attach after start.
  const stdinLater = opts.stdin && execId !== undefined;
  const output = await client.attach(id, { stdin: opts.stdin && !stdinLater, execId });
  output.onStdout((chunk) => process.stdout.write(chunk));
  output.onStderr((chunk) => process.stderr.write(chunk));
  let input = opts.stdin && !stdinLater ? output : undefined;
  const closers: Attachment[] = [output];

  const undo: (() => void)[] = [];
  try {
    if (tty) {
      stdin.setRawMode(true);
      undo.push(() => stdin.setRawMode(false));
      const resize = () => {
        const { columns, rows } = process.stdout;
        if (columns && rows) client.resize(id, columns, rows, execId).catch(() => undefined); // it may have exited
      };
      process.on('SIGWINCH', resize);
      undo.push(() => process.off('SIGWINCH', resize));
    } else if (!terminal) {
      // Without a terminal nothing turns ^C into a byte: pass signals on, as docker's sig-proxy does.
      for (const sig of PROXIED_SIGNALS) {
        const forward = () => client.kill(id, sigNumber(sig), { execId }).catch(() => undefined);
        process.on(sig, forward);
        undo.push(() => process.off(sig, forward));
      }
    }
    const exited = client.wait(id, execId);
    exited.catch(() => undefined); // awaited below; not an unhandled rejection meanwhile
    if (opts.start) await client.startTask(id, execId);
    if (stdinLater) {
      // A quick exec may be gone already, its stdin with it: nothing to feed then.
      input = await client.attach(id, { stdin: true, stdout: false, execId }).catch(() => undefined);
      if (input) closers.push(input);
    }
    if (tty) {
      // The pty exists now: give it our size.
      const { columns, rows } = process.stdout;
      if (columns && rows) await client.resize(id, columns, rows, execId).catch(() => undefined);
    }
    if (input) {
      const to = input;
      const onData = (chunk: Buffer) => to.writeStdin(chunk);
      const onEnd = () => to.closeStdin();
      stdin.on('data', onData);
      stdin.once('end', onEnd);
      undo.push(() => {
        stdin.off('data', onData);
        stdin.off('end', onEnd);
        stdin.pause();
      });
    }
    const exit = await exited;
    await output.done;
    return exit.exitStatus;
  } finally {
    for (const u of undo.reverse()) u();
    for (const a of closers) a.close();
  }
}

function sigNumber(sig: NodeJS.Signals): number {
  return { SIGINT: 2, SIGTERM: 15, SIGHUP: 1, SIGQUIT: 3 }[sig as 'SIGINT'] ?? 15;
}
