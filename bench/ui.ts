// `npm run bench -- ui`: the workbench watching 100 running containers.
// Measures, with the built `bin/strata ui` in a real pty (node-pty, 120x40):
//   - time to first frame (spawn -> the containers pane drawn) and to the
//     frame listing all 100 containers;
//   - CPU of the workbench process (utime+stime from /proc, % of one core)
//     and bytes per second written to the terminal, over 60 s of steady
//     state after a 10 s warm-up.
// Goals (issue 5): < 2% of one core, < 2 KB/s, first frame < 500 ms.
// The engine is an isolated one (temp roots, its own socket), started with
// `strata engine start`, busybox made from the host's static busybox;
// everything is removed at the end.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import xterm from '@xterm/headless';
import { spawn } from 'node-pty';

import { Client } from '../src/client/client.ts';
import { makeRootfs, staticBusybox } from '../src/ui/bootstrap/image.ts';
import { describeLeaks, runCommand, unmountUnder } from '../test/helpers/engine.ts';
import { findLeaks, forceCleanup, snapshot } from '../test/helpers/leaks.ts';
import { writeReport, type Row } from './report.ts';

const repo = join(import.meta.dirname, '..');
const CLI = join(repo, 'bin', 'strata');
const COUNT = Number(process.env.BENCH_UI_CONTAINERS ?? 100);
const WARMUP_S = Number(process.env.BENCH_UI_WARMUP ?? 10);
const MEASURE_S = Number(process.env.BENCH_UI_SECONDS ?? 60);
const TICK = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(f[11]) + Number(f[12]); // utime, stime (fields 14 and 15)
}

async function cli(args: string[]): Promise<string> {
  const r = await runCommand(CLI, args, { timeoutMs: 120_000 });
  if (r.code !== 0) throw new Error(`strata ${args.join(' ')}: exit ${r.code}: ${r.stderr}`);
  return r.stdout;
}

export async function benchUi(): Promise<void> {
  const before = snapshot();
  const dir = mkdtempSync('/tmp/sbu-');
  const host = `unix://${join(dir, 's.sock')}`;
  const roots = ['--data-root', join(dir, 'data'), '--exec-root', join(dir, 'exec')];
  const client = new Client({ host });
  let ui: ReturnType<typeof spawn> | undefined;
  try {
    await cli(['engine', 'start', ...roots, '--host', host]);
    const busybox = staticBusybox();
    if (!busybox) throw new Error('no static busybox on this host (apt-get install busybox-static)');
    mkdirSync(join(dir, 'rootfs'));
    makeRootfs(join(dir, 'rootfs'), busybox);
    execFileSync('tar', ['-C', join(dir, 'rootfs'), '-cf', join(dir, 'busybox.tar'), '.']);
    await cli(['-H', host, 'import', join(dir, 'busybox.tar'), 'busybox:latest']);
    console.log(`starting ${COUNT} containers…`);
    for (let i = 0; i < COUNT; i++) {
      const { Id } = await client.containers.create({ Image: 'busybox', Cmd: ['sleep', '3600'] }, { name: `bench-ui-${i}` });
      await client.containers.start(Id);
    }

    const cols = 120;
    const rows = 40;
    const term = new xterm.Terminal({ cols, rows, allowProposedApi: true });
    const t0 = performance.now();
    let firstByte = 0;
    let firstFrame = 0;
    let fullFrame = 0;
    let bytes = 0;
    ui = spawn(process.execPath, [CLI, 'ui', '-H', host, ...roots], { name: 'xterm-256color', cols, rows, cwd: repo, env: { ...process.env, TERM: 'xterm-256color' } as Record<string, string> });
    const screen = () => {
      const b = term.buffer.active;
      const out: string[] = [];
      for (let y = 0; y < rows; y++) out.push(b.getLine(y)?.translateToString(true) ?? '');
      return out.join('\n');
    };
    ui.onData((d) => {
      bytes += Buffer.byteLength(d);
      firstByte ||= performance.now() - t0;
      term.write(d, () => {
        if (!firstFrame && screen().includes(' containers ')) firstFrame = performance.now() - t0;
        if (!fullFrame && screen().includes(`containers ${COUNT}/${COUNT} running`)) fullFrame = performance.now() - t0;
      });
    });
    const pid = ui.pid;
    await sleep(WARMUP_S * 1000);
    const b0 = bytes;
    const c0 = cpuTicks(pid);
    const w0 = performance.now();
    await sleep(MEASURE_S * 1000);
    const seconds = (performance.now() - w0) / 1000;
    const cpuPercent = ((cpuTicks(pid) - c0) / TICK / seconds) * 100;
    const bytesPerSecond = (bytes - b0) / seconds;
    const rss = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;
    ui.write('q');
    await sleep(1000);

    const table: Row[] = [
      { measure: 'time to first frame (spawn -> containers pane drawn)', value: `${firstFrame.toFixed(0)} ms`, goal: '< 500 ms', met: firstFrame > 0 && firstFrame < 500 ? 'yes' : 'no' },
      { measure: `time to the frame listing all ${COUNT} containers`, value: `${fullFrame.toFixed(0)} ms`, goal: '-', met: '-' },
      { measure: 'first byte written', value: `${firstByte.toFixed(0)} ms`, goal: '-', met: '-' },
      { measure: `CPU of the workbench, ${MEASURE_S} s steady state`, value: `${cpuPercent.toFixed(2)} % of one core`, goal: '< 2 %', met: cpuPercent < 2 ? 'yes' : 'no' },
      { measure: 'bytes written to the terminal', value: `${(bytesPerSecond / 1024).toFixed(2)} KB/s`, goal: '< 2 KB/s', met: bytesPerSecond < 2048 ? 'yes' : 'no' },
      { measure: 'workbench RSS', value: `${(rss / 1024 / 1024).toFixed(0)} MB`, goal: '-', met: '-' },
    ];
    const notes = [
      `${COUNT} running busybox containers (sleep 3600) on an isolated strata engine; the workbench at ${cols}x${rows} in node-pty, ${WARMUP_S} s warm-up, ${MEASURE_S} s measured.`,
      'CPU from /proc/<pid>/stat (utime+stime) of the workbench process only; bytes are everything it wrote to the pty.',
      'The machine is shared (2 cores, other sessions running): CPU figures carry their noise.',
    ];
    console.log(writeReport('ui', 'strata ui: the workbench with 100 containers', table, notes, { firstByte, firstFrame, fullFrame, cpuPercent, bytesPerSecond, rss, seconds, count: COUNT }));
  } finally {
    try {
      ui?.kill('SIGKILL');
    } catch {
      // already gone
    }
    const ids = await client.containers.list({ all: true }).catch(() => []);
    for (const c of ids) await client.containers.remove(c.Id, { force: true }).catch(() => undefined);
    client.close();
    await runCommand(CLI, ['engine', 'stop', ...roots, '--host', host]);
    const leaks = findLeaks(before, [dir]);
    leaks.mounts = leaks.mounts.filter((m) => m.includes(dir));
    forceCleanup(before, [dir]);
    unmountUnder(dir);
    rmSync(dir, { recursive: true, force: true });
    const text = describeLeaks(leaks);
    if (text) console.error(`bench ui: leaked after teardown:\n${text}`);
  }
}
