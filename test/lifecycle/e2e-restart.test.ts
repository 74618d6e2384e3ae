// The restart scenario: 20 running containers, strata-lifecycled
// SIGKILLed; while it is down one container exits with 7 and another writes
// 10 000 log lines; after the restart the other 18 run on with the same pids,
// the exit is reported as 7, every line is in the json-file log, and a
// subscriber that connects after the restart still gets the /tasks/exit event.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { alive, engineSuite, parseTaskTable, until, type Engine, type TaskRow } from '../helpers/engine.ts';

const N = 20;
// trap: an init ignores signals it has no handler for, so USR1 needs one.
const IDLE = 'trap "exit 7" USR1; while true; do sleep 1; done';
const LINES = 10_000;
// Waits for /go (written by the test through /proc/<pid>/root), then logs.
const WRITER = `while [ ! -e /go ]; do sleep 0.1; done; seq 1 ${LINES} | sed 's/^/line /'; touch /done; while true; do sleep 1; done`;

let engine: Engine;

engineSuite((e) => (engine = e));

async function taskTable(): Promise<Map<string, TaskRow>> {
  return parseTaskTable(await engine.lcOk(['tasks', 'ls']));
}

function logRecords(file: string): { log: string; stream: string; time: string }[] {
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => JSON.parse(l) as { log: string; stream: string; time: string });
}

it('keeps containers, exits and logs across a SIGKILL of strata-lifecycled', async () => {
  const ids = Array.from({ length: N }, (_, i) => `${engine.tag}-c${i}`);
  const exiter = ids[0] as string;
  const writer = ids[1] as string;
  // Step 1: run 20 containers.
  for (const id of ids) await engine.lcOk(['run', '-d', 'busybox:latest', id, 'sh', '-c', id === writer ? WRITER : IDLE]);
  const before = await taskTable();
  for (const id of ids) expect(before.get(id)?.status, id).toBe('RUNNING');
  const logFile = join(engine.dataRoot, 'containers', writer, `${writer}-json.log`);

  // Step 2: SIGKILL the daemon; the shims and containers stay.
  const killedAt = Date.now();
  await engine.kill9();
  for (const id of ids) expect(alive(before.get(id)?.pid ?? 0), `${id} init alive while the daemon is down`).toBe(true);

  // Step 3: while it is down, one exits with 7 and another writes 10 000 lines.
  const exiterPid = before.get(exiter)?.pid as number;
  process.kill(exiterPid, 'SIGUSR1');
  const writerPid = before.get(writer)?.pid as number;
  writeFileSync(`/proc/${writerPid}/root/go`, '');
  await until(() => !alive(exiterPid), 10_000, 'the USR1 container to exit');
  await until(() => existsSync(`/proc/${writerPid}/root/done`), 30_000, 'the writer to finish');
  await until(() => existsSync(logFile) && logRecords(logFile).length >= LINES, 10_000, `${LINES} records in ${logFile}`);

  // Step 4: restart; the other 18 run with the same pids, the exit is 7.
  await engine.restart();
  const after = await taskTable();
  for (const id of ids.slice(2)) {
    expect(after.get(id)?.status, id).toBe('RUNNING');
    expect(after.get(id)?.pid, id).toBe(before.get(id)?.pid);
  }
  expect(after.get(writer)).toMatchObject({ status: 'RUNNING', pid: writerPid });
  expect(after.get(exiter)).toMatchObject({ status: 'STOPPED', exit: '7' });
  const got = await engine.client().tasks.get({ container_id: exiter });
  expect(got.status).toBe('stopped');
  expect(got.exit_status).toBe(7);

  // Step 5: every line is in the log, in order, on stdout.
  const records = logRecords(logFile);
  const lines = records.filter((r) => r.stream === 'stdout').map((r) => r.log);
  expect(lines.length).toBe(LINES);
  expect(lines[0]).toBe('line 1\n');
  expect(lines[LINES - 1]).toBe(`line ${LINES}\n`);
  for (let i = 0; i < LINES; i++) if (lines[i] !== `line ${i + 1}\n`) throw new Error(`log record ${i}: ${JSON.stringify(lines[i])}`);
  for (const r of records) expect(r.time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d+Z$/);

  // Step 6: a subscriber connecting now replays the exit (strata lc events --since).
  const exitEvent = await new Promise<Record<string, unknown>>((resolve, reject) => {
    const p = spawn(join(import.meta.dirname, '..', '..', 'bin', 'strata'), ['lc', '--exec-root', engine.execRoot, 'events', '--filter', '/tasks/exit', '--since', String(killedAt / 1000)]);
    let buf = '';
    const timer = setTimeout(() => {
      p.kill('SIGKILL');
      reject(new Error(`no /tasks/exit for ${exiter} in: ${buf}`));
    }, 10_000);
    p.stdout.setEncoding('utf8').on('data', (d: string) => {
      buf += d;
      for (const line of buf.split('\n')) {
        const [, topic] = line.split(' ');
        if (topic !== '/tasks/exit') continue;
        const payload = JSON.parse(line.slice(line.indexOf('{'))) as Record<string, unknown>;
        if (payload.container_id === exiter) {
          clearTimeout(timer);
          p.kill('SIGTERM');
          resolve(payload);
        }
      }
    });
  });
  expect(exitEvent).toMatchObject({ container_id: exiter, exit_status: 7 });
}, 180_000);
