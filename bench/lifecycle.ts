// `npm run bench -- lifecycle`: strata-shim's idle memory side by side with
// the real stack's shims, conmon (+ runc, as Podman runs it) and
// containerd-shim-runc-v2 (under a private containerd), each started, measured
// and removed by the bench when Debian's packages are installed (the bench
// installs nothing; missing ones are reported "not installed"); task
// create+start latency through the lifecycle client; and the log path under
// load: a container writing ~500 MB to stdout, its throughput and the bytes
// lost between what it wrote and what the json-file log holds (must be 0).
import { execFileSync } from 'node:child_process';
import { createReadStream } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

import { importBusybox, shimOf, startEngine, type Client, type Engine } from '../test/helpers/engine.ts';
import { measureConmon, measureContainerdShim, memoryOf, type Memory, type OtherShim } from './lifecycle-others.ts';
import { median, writeReport, type Row } from './report.ts';

const CONTAINERS = Number(process.env.BENCH_CONTAINERS ?? 20);
/** Idle containers started under conmon and under containerd each. */
const OTHER_CONTAINERS = Number(process.env.BENCH_OTHER_CONTAINERS ?? 1);
const STDOUT_BYTES = Number(process.env.BENCH_STDOUT_BYTES ?? 500_000_000);
/** Wait after the last start before reading memory: start-up pages settle. */
const SETTLE_MS = 1000;

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

interface Measured { mem: Memory[]; note: string }

function memRow(name: string, m: Measured, ours: Memory[]): Row {
  const rss = stat(m.mem.map((x) => x.rssKiB));
  const pss = stat(m.mem.map((x) => x.pssKiB));
  const anon = stat(m.mem.map((x) => x.anonKiB));
  const oursRss = median(ours.map((x) => x.rssKiB));
  const oursPss = median(ours.map((x) => x.pssKiB));
  const has = m.mem.length > 0 && ours.length > 0;
  return {
    measure: `${name} idle memory`,
    result: m.mem.length ? `RSS ${fmt(rss.median)} KiB, PSS ${fmt(pss.median)} KiB (median of ${m.mem.length})` : 'n/a',
    'strata-shim / this': has ? `RSS ${fmt(oursRss / rss.median, 2)}, PSS ${fmt(oursPss / pss.median, 2)}` : 'n/a',
    detail: m.mem.length ? `max RSS ${fmt(rss.max)} KiB, PSS ${fmt(pss.max)} KiB; RssAnon ${fmt(anon.median)} KiB; ${m.note}` : m.note,
  };
}

export async function benchLifecycle(): Promise<void> {
  const raw: Record<string, unknown> = {};
  const rows: Row[] = [];
  let ours: Memory[] = [];
  const engine: Engine = await startEngine();
  try {
    await importBusybox(engine);
    const c = engine.client();

    // 1. N idle containers: latency of task create+start, then each shim's memory.
    const latencies: number[] = [];
    for (let i = 0; i < CONTAINERS; i++) latencies.push(await createStart(c, `${engine.tag}-idle${i}`, ['sleep', '100000']));
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    ours = Array.from({ length: CONTAINERS }, (_, i) => shimOf(engine, `${engine.tag}-idle${i}`))
      .filter((p): p is number => p !== undefined)
      .map(memoryOf);
    raw.latencyMs = latencies;
    raw.strataShim = ours;
    rows.push({
      measure: 'task create+start',
      result: `${fmt(median(latencies), 1)} ms (median)`,
      'strata-shim / this': '',
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
      'strata-shim / this': '',
      detail: `${expected} bytes written in ${fmt(seconds, 2)} s (${script}), ${got.stdout} in ${got.records} log records; exit ${exit.exit_status}; lost must be 0`,
    });
    await c.tasks.delete({ container_id: id });
    await c.containers.delete(id);
  } finally {
    await engine.teardown();
  }

  // 3. The real stack, one stack at a time after ours is gone; each cleans up after itself.
  const others: [string, OtherShim][] = [
    ['conmon', await measureConmon(OTHER_CONTAINERS, SETTLE_MS)],
    ['containerd-shim-runc-v2', await measureContainerdShim(OTHER_CONTAINERS, SETTLE_MS)],
  ];
  const leftovers = others.flatMap(([name, o]) => (o.leftovers ?? []).map((l) => `${name}: ${l}`));
  if (leftovers.length) console.error(`lifecycle bench: removed leftovers of the real stack:\n  ${leftovers.join('\n  ')}`);
  for (const [name, o] of others) raw[name] = o;

  const memRows: Row[] = [memRow('strata-shim', { mem: ours, note: `${ours.length} idle containers (sleep); goal RSS < 1024 KiB` }, ours)];
  for (const [name, o] of others) {
    const note = o.daemon ? `${o.note}; containerd itself RSS ${fmt(o.daemon.rssKiB)} KiB, PSS ${fmt(o.daemon.pssKiB)} KiB` : o.note;
    memRows.push(memRow(name, { mem: o.mem, note: o.leftovers?.length ? `${note}; leftovers removed: ${o.leftovers.length}` : note }, ours));
  }
  memRows[0]!['strata-shim / this'] = ours.length ? 'RSS 1.00, PSS 1.00' : 'n/a';
  rows.unshift(...memRows);

  const notes = [
    'Memory: VmRSS and RssAnon from /proc/<pid>/status, Pss from /proc/<pid>/smaps_rollup, of each shim process with its container idle (1 s after the last start).',
    'strata-shim / this: median strata-shim RSS and PSS over the other shim\'s median; below 1 means strata-shim is smaller.',
    `conmon: conmon + runc as Podman runs them (k8s-file log, exit dir, attach socket dir, runc --root in a temp dir), runc start after conmon's runc create. containerd-shim-runc-v2: a private containerd (temp root/state/socket, CRI disabled), \`ctr run -d --rootfs\` of a busybox directory, stdout to a file:// log. ${OTHER_CONTAINERS} container(s) each (BENCH_OTHER_CONTAINERS), all removed afterwards; measured only when Debian's conmon / containerd packages are installed (the bench installs nothing).`,
    'PSS splits shared pages among the processes mapping them: strata-shim\'s is over its N concurrent shims, a lone conmon or containerd-shim carries its binary\'s and libraries\' full share (BENCH_OTHER_CONTAINERS=N starts N of each); RssAnon (heap, stacks) does not depend on sharing.',
    'Throughput: task start to exit of the writer, over the bytes it wrote; lost = written - bytes in the log records\' "log" fields.',
  ];
  console.log(writeReport('lifecycle', 'strata-lifecycled and strata-shim', rows, notes, raw));
}
