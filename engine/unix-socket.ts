// Does anything accept a connection on this Unix socket?  How the daemons
// refuse to start over a live one, how `strata engine` and the tests tell a
// daemon is up.  A slow accept (past timeoutMs) still counts as a listener.
import { connect } from 'node:net';

export function socketAnswers(path: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(path);
    const done = (answer: boolean) => {
      clearTimeout(t);
      s.destroy();
      resolve(answer);
    };
    const t = setTimeout(() => done(true), timeoutMs);
    s.once('connect', () => done(true));
    s.once('error', () => done(false));
  });
}
