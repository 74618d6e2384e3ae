// `npm run bench -- engine`: stratad beside a real dockerd, both driven by the
// same docker CLI (/usr/local/bin/docker), in the same run:
//   (a) `docker run --rm --network none busybox true`, N runs each, medians and
//       stratad/dockerd (goal <= 0.33);
//   (b) `docker ps` with 100 running `sleep 1000` containers, N calls each,
//       medians and the ratio (goal <= 1);
//   (c) `strata ps` (the bundled CLI) against `node -e 0`: the CLI's own cost
//       (goal: within 20 ms).
// Runs alternate between the daemons so drift on a shared host hits both.
// Both daemons are private (temp roots and sockets), load the same busybox
// rootfs with `docker import`, and run containers without a network.  dockerd
// is Debian's docker.io, installed only with BENCH_INSTALL_DOCKER=1.
// Env: BENCH_RUNS (30), BENCH_PS_CONTAINERS (100), BENCH_INSTALL_DOCKER.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { makeBusyboxTarball } from '../test/helpers/image.ts';
import { rmdirQuiet } from '../test/helpers/leaks.ts';
import { DOCKER_CLI, cgroupDirsOf, docker, dockerAsync, pool, setDockerConfig, timed, type BenchDaemon } from './engine-cli.ts';
import { ensureDockerd, startDockerd } from './engine-dockerd.ts';
import { STRATA_CLI, startStratad } from './engine-stratad.ts';
import { median, writeReport, type Row } from './report.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 30);
const PS_CONTAINERS = Number(process.env.BENCH_PS_CONTAINERS ?? 100);
const INSTALL_DOCKER = process.env.BENCH_INSTALL_DOCKER === '1';

type Samples = Partial<Record<BenchDaemon['name'], number[]>>;

const fmt = (n: number | undefined, digits = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

/** N alternating timed runs of `docker <args>` against each daemon. */
function alternate(daemons: BenchDaemon[], args: string[]): Samples {
  const out: Samples = {};
  for (const d of daemons) docker(d, args); // warm-up: first-run caches are not what we measure
  for (let i = 0; i < RUNS; i++) {
    for (const d of daemons) (out[d.name] ??= []).push(timed(DOCKER_CLI, ['-H', d.host, ...args]));
  }
  return out;
}

function ratioRow(measure: string, s: Samples, goal: string, max: number, detail: string): Row {
  const ours = s.stratad ? median(s.stratad) : undefined;
  const theirs = s.dockerd ? median(s.dockerd) : undefined;
  const ratio = ours !== undefined && theirs !== undefined ? ours / theirs : undefined;
  return {
    measure,
    'stratad ms (median)': fmt(ours),
    'dockerd ms (median)': fmt(theirs),
    'stratad / dockerd': fmt(ratio, 2),
    goal,
    met: ratio === undefined || goal === '-' ? 'n/a' : ratio <= max ? 'yes' : 'no',
    detail,
  };
}

/** Start `count` idle containers on a daemon, a few at a time; their ids. */
async function startIdle(d: BenchDaemon, count: number): Promise<string[]> {
  const ids: string[] = [];
  // Named: stratad's generated names can collide under concurrent creates.
  await pool(Array.from({ length: count }, (_, i) => i), 4, async (i) => {
    ids.push((await dockerAsync(d, ['run', '-d', '--name', `bench-idle-${i}`, '--network', 'none', 'busybox', 'sleep', '1000'])).trim());
  });
  return ids;
}

/** Best effort: every container of the daemon removed, in chunks the CLI takes. */
function removeAll(d: BenchDaemon): string | undefined {
  try {
    const ids = docker(d, ['ps', '-aq']).split('\n').filter(Boolean);
    for (let i = 0; i < ids.length; i += 50) docker(d, ['rm', '-f', ...ids.slice(i, i + 50)]);
    return undefined;
  } catch (e) {
    return `${d.name}: removing containers failed: ${(e as Error).message.split('\n')[0]}`;
  }
}

export async function benchEngine(): Promise<void> {
  const work = mkdtempSync('/tmp/sbcfg-');
  setDockerConfig(join(work, 'docker-config'));
  const daemons: BenchDaemon[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = { runs: RUNS, psContainers: PS_CONTAINERS };
  const rows: Row[] = [];
  const cgroups: Record<string, string[]> = {};
  let failure: Error | undefined;
  try {
    daemons.push(await startStratad());
    const missing = ensureDockerd(INSTALL_DOCKER);
    if (missing) notes.push(missing);
    else daemons.push(await startDockerd());
    for (const d of daemons) notes.push(`${d.name}: ${d.version}`);

    const tarball = makeBusyboxTarball(join(work, 'busybox.tar'));
    for (const d of daemons) docker(d, ['import', tarball, 'busybox:latest']);

    // (a) container start-to-exit through the whole stack.
    const run = alternate(daemons, ['run', '--rm', '--network', 'none', 'busybox', 'true']);
    raw.run = run;
    rows.push(ratioRow('`docker run --rm busybox true`', run, '<= 0.33', 0.33, `${RUNS} runs each, --network none, alternating`));

    // The CLI's floor: a ping and one small call, to read (a) against.
    const floor = alternate(daemons, ['version']);
    raw.version = floor;
    rows.push(ratioRow('`docker version` (reference: CLI floor)', floor, '-', Number.POSITIVE_INFINITY, 'ping + GET /version: what every docker command pays'));

    // (b) listing with many live containers.
    for (const d of daemons) {
      const ids = await startIdle(d, PS_CONTAINERS);
      const listed = docker(d, ['ps', '-q']).split('\n').filter(Boolean).length;
      if (listed !== PS_CONTAINERS) throw new Error(`${d.name}: docker ps lists ${listed} containers, started ${PS_CONTAINERS}`);
      const pids = docker(d, ['inspect', '--format', '{{.State.Pid}}', ...ids]).split('\n').filter(Boolean).map(Number);
      cgroups[d.name] = pids.flatMap(cgroupDirsOf);
    }
    const ps = alternate(daemons, ['ps']);
    raw.ps = ps;
    rows.push(ratioRow(`\`docker ps\` with ${PS_CONTAINERS} running`, ps, '<= 1', 1, `${RUNS} calls each, ${PS_CONTAINERS} \`sleep 1000\` containers per daemon`));

    // (c) the strata CLI's own start-up, with those containers still listed and without.
    const strata = daemons.find((d) => d.name === 'stratad') as BenchDaemon;
    const cliEnv = { ...process.env, STRATA_HOST: strata.host };
    const cli = (label: string) => {
      const node: number[] = [];
      const ours: number[] = [];
      timed(STRATA_CLI, ['ps'], cliEnv);
      for (let i = 0; i < RUNS; i++) {
        node.push(timed(process.execPath, ['-e', '0'], cliEnv));
        ours.push(timed(STRATA_CLI, ['ps'], cliEnv));
      }
      const diff = median(ours) - median(node);
      raw[`strataPs ${label}`] = { node, strata: ours };
      rows.push({
        measure: `\`strata ps\` vs \`node -e 0\` (${label})`,
        'stratad ms (median)': `${fmt(median(ours))} (strata ps)`,
        'dockerd ms (median)': `${fmt(median(node))} (node -e 0)`,
        'stratad / dockerd': `+${fmt(diff)} ms`,
        goal: '<= +20 ms',
        met: diff <= 20 ? 'yes' : 'no',
        detail: `${RUNS} runs each, alternating; bin/strata -> dist/strata.mjs`,
      });
    };
    cli(`${PS_CONTAINERS} containers`);
    for (const d of daemons) {
      const problem = removeAll(d);
      if (problem) notes.push(problem);
    }
    cli('no containers');
  } catch (e) {
    failure = e as Error;
    notes.push(`FAILED: ${failure.message.split('\n').slice(0, 4).join(' ')}`);
  } finally {
    for (const d of [...daemons].reverse()) {
      const problem = removeAll(d);
      if (problem) notes.push(problem);
      const leftovers = await d.stop().catch((e: Error) => [`stop failed: ${e.message}`]);
      // Container cgroups still there after their containers were removed and the daemon stopped.
      const stale = (cgroups[d.name] ?? []).filter((c) => existsSync(c));
      for (const c of stale.sort((a, b) => b.length - a.length)) rmdirQuiet(c);
      if (stale.length) leftovers.push(`${stale.length} container cgroup dirs, e.g. ${stale[0]}`);
      notes.push(leftovers.length ? `${d.name} left behind (removed): ${leftovers.join('; ')}` : `${d.name}: stopped, nothing left behind`);
    }
    rmSync(work, { recursive: true, force: true });
  }
  notes.push('Same docker CLI (28.2.2) for both daemons, private DOCKER_CONFIG; runs alternate stratad/dockerd; wall clock from spawn to exit.');
  const markdown = writeReport('engine', 'stratad vs dockerd through the docker CLI', rows, notes, raw);
  process.stdout.write(`${markdown}\n`);
  if (failure) {
    process.stderr.write(`${failure.stack ?? failure.message}\n`);
    process.exitCode = 1;
  }
}
