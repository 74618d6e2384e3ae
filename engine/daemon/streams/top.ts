// `docker top`: moby runs the host's ps with the client's ps_args and keeps
// the rows whose PID belongs to the container; so do we, with the pids
// lifecycled reports for the task.
import { execFile } from 'node:child_process';

import { invalidArgument } from '../../errors.ts';

export interface Top {
  Titles: string[];
  Processes: string[][];
}

export function parsePs(out: string, pids: Set<number>): Top {
  const lines = out.split('\n').filter((l) => l.trim() !== '');
  const header = lines.shift();
  if (!header) throw invalidArgument('stratad', 'ps printed nothing');
  const Titles = header.trim().split(/\s+/);
  const pidCol = Titles.indexOf('PID');
  if (pidCol < 0) throw invalidArgument('stratad', `Couldn't find PID field in ps output`);
  const Processes: string[][] = [];
  for (const l of lines) {
    const f = l.trim().split(/\s+/);
    // The last column (CMD) may hold spaces: fold the surplus back into it.
    const row = f.length > Titles.length ? [...f.slice(0, Titles.length - 1), f.slice(Titles.length - 1).join(' ')] : f;
    if (pids.has(Number(row[pidCol]))) Processes.push(row);
  }
  return { Titles, Processes };
}

export function runPs(psArgs: string, pids: number[]): Promise<Top> {
  const args = psArgs.trim() === '' ? ['-ef'] : psArgs.trim().split(/\s+/);
  if (args.some((a) => /[^A-Za-z0-9_,=:%+-]/.test(a))) throw invalidArgument('stratad', `bad ps_args ${JSON.stringify(psArgs)}`);
  return new Promise((resolve, reject) => {
    execFile('ps', args, { maxBuffer: 16 << 20 }, (err, stdout, stderr) => {
      if (err) return reject(invalidArgument('stratad', `ps ${args.join(' ')}: ${String(stderr).trim() || err.message}`));
      try {
        resolve(parsePs(stdout, new Set(pids)));
      } catch (e) {
        reject(e);
      }
    });
  });
}
