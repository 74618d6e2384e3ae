// `npm run bench -- lifecycle`: strata-shim's idle memory beside conmon and
// containerd-shim-runc-v2 (when installed; never installed by the bench), task
// create+start latency through the lifecycle client, and the log path under
// load: a container writing ~500 MB to stdout, its throughput and the bytes
// lost between what it wrote and what the json-file log holds (must be 0).
import { execFileSync, spawnSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { importBusybox, shimOf, startEngine, type Client, type Engine } from '../test/helpers/engine.ts';
import { hostPids, processInfo } from '../test/helpers/leaks.ts';
import { median, writeReport, type Row } from './report.ts';

const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 20);
const STDOUT_BYTES = Number(process.env.BENCH_STDOUT_BYTES ?? 500_000_000);

interface Memory { rssKiB: number; pssKiB: number }

function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKiB: kib(status, 'VmRSS'), pssKiB: kib(rollup, 'Pss') };
}

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

/** Idle memory of running processes named `name` (other shims already on this host). */
function otherShims(name: string): { note: string; mem: Memory[] } {
  const bin = which(name);
  if (!bin) return { note: 'not installed', mem: [] };
  const pids = [...hostPids()].filter((p) => (processInfo(p)?.cmdline.split(' ')[0] ?? '').endsWith(name));
  if (pids.length === 0) return { note: `installed (${bin}) but none running: start some containers with its engine to compare`, mem: [] };
  return { note: `${pids.length} already running on this host`, mem: pids.map(memoryOf) };
}

async function createStart(c: Client, id: string, args: string[]): Promise<number> {
  await c.containers.create({ id, image: 'busybox:latest', args });
  const t0 = process.hrtime.bigint();
  await c.tasks.create({ container_id: id });
  await c.tasks.start({ container_id: id });
  return Number(process.hrtime.bigint() - t0) / 1e6;
}

/** Bytes of the `log` fields of every record of a json-file log, per stream. */
async function logBytes(file: string): Promise<{ stdout: number; stderr: number; records: number }> {
  const out = { stdout: 0, stderr: 0, records: 0 };
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity });
  for await (const line of lines) {
    if (!line) continue;
    const r = JSON.parse(line) as { log: string; stream: 'stdout' | 'stderr' };
    out[r.stream] += Buffer.byteLength(r.log);
    out.records++;
  }
  return out;
}

const stat = (values: number[]) => ({ median: median(values), max: Math.max(...values) });
const fmt = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

export async function benchLifecycle(): Promise<void> {
  const engine: Engine = await startEngine();
  const raw: Record<string, unknown> = {};
  const rows: Row[] = [];
  try {
    await importBusybox(engine);
    const c = engine.client();

    // 1. N idle containers: latency of task create+start, then each shim's memory.
    const latencies: number[] = [];
    for (let i = 0; i < CONTAINERS; i++) latencies.push(await createStart(c, `${engine.tag}-idle${i}`, ['sleep', '100000']));
    await new Promise((r) => setTimeout(r, 1000)); // let start-up pages settle
    const ours = Array.from({ length: CONTAINERS }, (_, i) => shimOf(engine, `${engine.tag}-idle${i}`))
      .filter((p): p is number => p !== undefined)
      .map(memoryOf);
    raw.latencyMs = latencies;
    raw.strataShim = ours;
    const memRow = (name: string, mem: Memory[], note: string): Row => {
      const rss = stat(mem.map((m) => m.rssKiB));
      const pss = stat(mem.map((m) => m.pssKiB));
      return {
        measure: `${name} idle memory`,
        result: mem.length ? `RSS ${fmt(rss.median)} KiB, PSS ${fmt(pss.median)} KiB (median)` : 'n/a',
        detail: mem.length ? `max RSS ${fmt(rss.max)} KiB, PSS ${fmt(pss.max)} KiB; ${note}` : note,
      };
    };
    rows.push(memRow('strata-shim', ours, `${ours.length} idle containers (sleep); goal RSS < 1024 KiB`));
    for (const name of ['conmon', 'containerd-shim-runc-v2']) {
      const other = otherShims(name);
      raw[name] = other;
      rows.push(memRow(name, other.mem, other.note));
    }
    rows.push({
      measure: 'task create+start',
      result: `${fmt(median(latencies), 1)} ms (median)`,
      detail: `max ${fmt(Math.max(...latencies), 1)} ms; ${CONTAINERS} tasks via the lifecycle client (container record made before the clock starts)`,
    });

    // 2. Log throughput: base64 of STDOUT_BYTES zero bytes on stdout, all into the json-file log.
    const script = `head -c ${STDOUT_BYTES} /dev/zero | base64`;
    // The same busybox pipeline on the host says how many bytes the container writes.
    const expected = Number(execFileSync('sh', ['-c', `busybox head -c ${STDOUT_BYTES} /dev/zero | busybox base64 | wc -c`], { encoding: 'utf8' }).trim());
    const id = `${engine.tag}-flood`;
    const t0 = process.hrtime.bigint();
    await createStart(c, id, ['sh', '-c', script]);
    const exit = await c.tasks.wait({ container_id: id });
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    const log = join(engine.dataRoot, 'containers', id, `${id}-json.log`);
    const got = await logBytes(log);
    const lost = expected - got.stdout;
    raw.flood = { expected, got, seconds, exit };
    rows.push({
      measure: 'stdout to json-file log',
      result: `${fmt(expected / 1048576 / seconds, 1)} MiB/s, ${lost} bytes lost`,
      detail: `${expected} bytes written in ${fmt(seconds, 2)} s (${script}), ${got.stdout} in ${got.records} log records; exit ${exit.exit_status}; lost must be 0`,
    });
    await c.tasks.delete({ container_id: id });
    await c.containers.delete(id);
  } finally {
    await engine.teardown();
  }
  const notes = [
    'Memory: VmRSS from /proc/<pid>/status, Pss from /proc/<pid>/smaps_rollup, of each shim with its container idle.',
    'conmon and containerd-shim-runc-v2 are measured only when installed and running on this host (the bench installs nothing).',
    'Throughput: task start to exit of the writer, over the bytes it wrote; lost = written - bytes in the log records\' "log" fields.',
  ];
  console.log(writeReport('lifecycle', 'strata-lifecycled and strata-shim', rows, notes, raw));
}
