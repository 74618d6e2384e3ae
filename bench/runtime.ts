// `npm run bench -- runtime`: `run` of /bin/true in a busybox bundle with
// strata-runtime, runc and crun, timed by hyperfine (no shell in between),
// medians and ratios in one report.  A runtime that cannot run on this host
// (crun refuses hybrid cgroup hosts) is reported with its error, not timed.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { makeBusyboxBundle } from '../test/helpers/image.ts';
import { median, writeReport, type Row } from './report.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 200);
const repo = join(import.meta.dirname, '..');

interface Candidate { name: string; bin: string }

function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.trim() : undefined;
}

export async function benchRuntime(): Promise<void> {
  const work = mkdtempSync(join(tmpdir(), 'strata-bench-runtime-'));
  try {
    const bundle = makeBusyboxBundle(join(work, 'bundle'), { args: ['/bin/true'] });
    // Same container for every runtime: Docker's defaults, no terminal, and each
    // runtime's default cgroup path (which each removes again on delete).
    const candidates: Candidate[] = [{ name: 'strata-runtime', bin: join(repo, 'bin', 'strata-runtime') }];
    for (const name of ['runc', 'crun']) {
      const bin = which(name);
      if (bin) candidates.push({ name, bin });
    }
    const results: { name: string; median?: number; error?: string; times?: number[] }[] = [];
    for (const c of candidates) {
      const root = join(work, `root-${c.name}`);
      const cmd = [c.bin, '--root', root, 'run', '--bundle', bundle.dir, 'bench'];
      const probe = spawnSync(cmd[0] as string, cmd.slice(1), { encoding: 'utf8' });
      if (probe.status !== 0) {
        results.push({ name: c.name, error: (probe.stderr || probe.stdout).trim().split('\n').pop() ?? `exit ${probe.status}` });
        continue;
      }
      const out = join(work, `${c.name}.json`);
      execFileSync('hyperfine', ['-N', '--warmup', '10', '--runs', String(RUNS), '--export-json', out, cmd.map((a) => `'${a}'`).join(' ')], { stdio: 'ignore' });
      const parsed = JSON.parse(readFileSync(out, 'utf8')) as { results: { times: number[] }[] };
      const times = (parsed.results[0]?.times ?? []).map((t) => t * 1000);
      results.push({ name: c.name, median: median(times), times });
    }
    const ours = results.find((r) => r.name === 'strata-runtime')?.median;
    const rows: Row[] = results.map((r) => ({
      runtime: r.name,
      'median ms': r.median !== undefined ? r.median.toFixed(2) : 'n/a',
      'strata / this': r.median !== undefined && ours !== undefined ? (ours / r.median).toFixed(2) : 'n/a',
      note: r.error ? `does not run here: ${r.error}` : `${RUNS} runs`,
    }));
    const notes = [
      '`<runtime> --root DIR run --bundle B bench` of /bin/true, busybox rootfs, Docker\'s default mounts, capabilities, masked paths; pid, net, ipc, uts, mount namespaces.',
      'Timed with hyperfine -N (no shell), 10 warm-up runs.',
      'Goals: strata / crun < 1, strata / runc <= 0.5.',
    ];
    console.log(writeReport('runtime', 'strata-runtime: run /bin/true', rows, notes, results.map(({ times, ...r }) => ({ ...r, runs: times?.length ?? 0 }))));
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
