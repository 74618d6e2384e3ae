// `npm run bench -- network`: what networking costs a `docker run`, through
// the real docker CLI at a private stratad (its own bridge, subnet, nft
// table and veth prefix, so it runs beside other engines):
//   none       `docker run --rm --network none busybox true`
//   bridge     `docker run --rm busybox true` (the default bridge)
//   publish    the same with `-p 127.0.0.1::80` (adds the nft render)
//   user net   `--network <user bridge network>` (adds /etc/hosts upkeep)
// Runs alternate between the variants so drift on a shared host hits all.
// Two views of the network's share of a run:
//   - end to end: (median variant - median none) / median variant;
//   - in stratad: the time its network code took per run (create + start +
//     remove), from STRATAD_NET_TRACE=1 log lines, against the run's median.
// dockerd beside it when installed: none and the default bridge, the bridge
// a private one of ours and no iptables (a plain run on the bridge needs no
// rules; -p and user networks are left out: they would change the host
// firewall).  Earlier reference figures (205 / 266 ms) are quoted too.
// Env: BENCH_RUNS (20); STRATAD / STRATA_LIFECYCLED to measure another build.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { REPO_ROOT } from '../engine/install-paths.ts';
import { makeBusyboxTarball } from '../test/helpers/image.ts';
import { pingUnix } from '../test/helpers/socket.ts';
import { DOCKER_CLI, setDockerConfig, socketListens, timed } from './engine-cli.ts';
import { ensureDockerd, startDockerd } from './engine-dockerd.ts';
import { median, writeReport, type Row } from './report.ts';

const RUNS = Number(process.env.BENCH_RUNS ?? 20);
const DOCKERD_REF = { none: 205, bridge: 266 };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmt = (n: number | undefined, digits = 1) => (n !== undefined && Number.isFinite(n) ? n.toFixed(digits) : 'n/a');

async function waitFor(what: string, cond: () => Promise<boolean>, log: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (await cond()) return;
    await sleep(50);
  }
  throw new Error(`${what} did not come up:\n${log()}`);
}

function stopChild(c: ChildProcess | undefined): Promise<void> {
  if (!c || c.exitCode !== null || c.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const t = setTimeout(() => c.kill('SIGKILL'), 10_000);
    c.once('exit', () => {
      clearTimeout(t);
      resolve();
    });
    c.kill('SIGTERM');
  });
}

/** 10.<o>.0.0/16 clear of every route on the host. */
function freeOctet(): number {
  const routes = readFileSync('/proc/net/route', 'utf8');
  for (let o = 200; o < 250; o++) {
    const hex = o.toString(16).toUpperCase();
    if (!routes.split('\n').some((l) => (l.split(/\s+/)[1] ?? '').endsWith(`${hex}0A`))) return o;
  }
  throw new Error('no free 10.x.0.0/16 for the bench bridge');
}

export async function benchNetwork(): Promise<void> {
  const dir = mkdtempSync('/tmp/sbn-');
  const execRoot = join(dir, 'exec');
  const dataRoot = join(dir, 'data');
  const socket = join(dir, 'stratad.sock');
  const host = `unix://${socket}`;
  const tag = dir.slice(-5).toLowerCase().replace(/[^a-z0-9]/g, 'x');
  const bridge = `sbn${tag}`;
  const table = `strata_bench_${tag}`;
  const prefix = `b${tag}`;
  const octet = freeOctet();
  setDockerConfig(join(dir, 'docker-config'));
  const env: NodeJS.ProcessEnv = { ...process.env, DOCKER_CONFIG: join(dir, 'docker-config') };
  delete env.DOCKER_HOST;
  const docker = (args: string[]) => {
    const r = spawnSync(DOCKER_CLI, ['-H', host, ...args], { encoding: 'utf8', env, timeout: 120_000 });
    if (r.status !== 0) throw new Error(`docker ${args.join(' ')}: exit ${r.status}\n${r.stderr}${r.stdout}`);
    return r.stdout.trim();
  };
  const lcLog = join(dir, 'lifecycled.log');
  const sdLog = join(dir, 'stratad.log');
  const readLog = (f: string) => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  let lifecycled: ChildProcess | undefined;
  let stratad: ChildProcess | undefined;
  const rows: Row[] = [];
  const notes: string[] = [];
  const raw: Record<string, unknown> = { runs: RUNS };
  let failure: Error | undefined;
  try {
    let fd = openSync(lcLog, 'a');
    lifecycled = spawn(process.execPath, [process.env.STRATA_LIFECYCLED || join(REPO_ROOT, 'bin', 'strata-lifecycled'), '--data-root', dataRoot, '--exec-root', execRoot], { stdio: ['ignore', fd, fd] });
    closeSync(fd);
    await waitFor('strata-lifecycled', () => socketListens(join(execRoot, 'lifecycled.sock')), () => readLog(lcLog));
    fd = openSync(sdLog, 'a');
    stratad = spawn(process.execPath, [process.env.STRATAD || join(REPO_ROOT, 'bin', 'stratad'), '--data-root', dataRoot, '--exec-root', execRoot, '-H', host,
      '--bridge', bridge, '--bip', `10.${octet}.0.1/24`, '--nft-table', table, '--veth-prefix', prefix, '--address-pool', `10.${octet}.0.0/16/24`, '--ip-forward=false'],
    { stdio: ['ignore', fd, fd], env: { ...process.env, STRATAD_NET_TRACE: '1' } });
    closeSync(fd);
    await waitFor('stratad', () => pingUnix(socket), () => readLog(sdLog));
    docker(['import', makeBusyboxTarball(join(dir, 'busybox.tar')), 'busybox:latest']);
    docker(['network', 'create', 'benchnet']);

    const variants: { name: string; args: string[] }[] = [
      { name: 'none', args: ['--network', 'none'] },
      { name: 'bridge', args: [] },
      { name: 'publish', args: ['-p', '127.0.0.1::80'] },
      { name: 'user net', args: ['--network', 'benchnet'] },
    ];
    const samples: Record<string, number[]> = {};
    const runArgs = (v: { args: string[] }) => ['-H', host, 'run', '--rm', ...v.args, 'busybox', 'true'];
    for (const v of variants) timed(DOCKER_CLI, runArgs(v), env); // warm-up
    const traceFrom = readLog(sdLog).length;
    for (let i = 0; i < RUNS; i++) for (const v of variants) (samples[v.name] ??= []).push(timed(DOCKER_CLI, runArgs(v), env));
    raw.samples = samples;

    // stratad's own network time per container (prepare + attach + release), by variant.
    const log = readLog(sdLog).slice(traceFrom);
    const variantOf = new Map<string, string>();
    for (const m of log.matchAll(/network-trace: prepare ([0-9a-f]{12}) [\d.]+ ms mode=(\S+) ports=(\d+)/g)) {
      variantOf.set(m[1] as string, m[2] === 'none' ? 'none' : m[2] === 'default' ? (m[3] === '0' ? 'bridge' : 'publish') : 'user net');
    }
    const steps: Record<string, Record<string, number[]>> = {};
    const total = new Map<string, number>();
    for (const m of log.matchAll(/network-trace: (prepare|attach|release) ([0-9a-f]{12}) ([\d.]+) ms/g)) {
      const v = variantOf.get(m[2] as string);
      if (!v) continue;
      ((steps[v] ??= {})[m[1] as string] ??= []).push(Number(m[3]));
      total.set(m[2] as string, (total.get(m[2] as string) ?? 0) + Number(m[3]));
    }
    const inDaemon = (v: string) => median([...total].filter(([id]) => variantOf.get(id) === v).map(([, ms]) => ms));
    raw.inDaemon = steps;

    // dockerd beside it, when installed: its default bridge network on a bridge of
    // ours (no iptables, no ip_forward: a plain run on the bridge needs neither).
    const theirs: Record<string, number[]> = {};
    if (ensureDockerd(false) === undefined) {
      const dbridge = `sbd${tag}`.slice(0, 15);
      spawnSync('ip', ['link', 'add', dbridge, 'type', 'bridge']);
      spawnSync('ip', ['addr', 'add', `10.${octet}.200.1/24`, 'dev', dbridge]);
      spawnSync('ip', ['link', 'set', dbridge, 'up']);
      try {
        const dd = await startDockerd({ bridge: dbridge });
        try {
          notes.push(`${dd.name}: ${dd.version}, default network on a private bridge, --iptables=false`);
          const denv: NodeJS.ProcessEnv = { ...env, DOCKER_CONFIG: join(dd.dir, 'docker-config') };
          const dk = (args: string[]) => spawnSync(DOCKER_CLI, ['-H', dd.host, ...args], { encoding: 'utf8', env: denv, timeout: 120_000 });
          const imp = dk(['import', join(dir, 'busybox.tar'), 'busybox:latest']);
          if (imp.status !== 0) throw new Error(`dockerd: docker import: ${imp.stderr}`);
          const dvariants = variants.filter((v) => v.name === 'none' || v.name === 'bridge');
          const dArgs = (v: { args: string[] }) => ['-H', dd.host, 'run', '--rm', ...v.args, 'busybox', 'true'];
          for (const v of dvariants) timed(DOCKER_CLI, dArgs(v), denv);
          for (let i = 0; i < RUNS; i++) for (const v of dvariants) (theirs[v.name] ??= []).push(timed(DOCKER_CLI, dArgs(v), denv));
          raw.dockerd = theirs;
        } finally {
          notes.push(...(await dd.stop()).map((l) => `dockerd leftovers removed: ${l}`));
        }
      } finally {
        spawnSync('ip', ['link', 'del', dbridge]);
      }
    }
    const dNone = theirs.none?.length ? median(theirs.none) : undefined;
    const dBridge = theirs.bridge?.length ? median(theirs.bridge) : undefined;
    const none = median(samples.none ?? []);
    for (const v of variants) {
      const m = median(samples[v.name] ?? []);
      const extra = v.name === 'none' ? 0 : m - none;
      rows.push({
        variant: `\`docker run --rm ${[...v.args, 'busybox', 'true'].join(' ')}\``,
        'stratad ms (median)': fmt(m),
        'network share, end to end': v.name === 'none' ? '-' : `${fmt(extra)} ms (${fmt((100 * extra) / m)} %)`,
        'stratad network code ms (median: prepare + attach + release)': `${fmt(inDaemon(v.name), 2)} (${['prepare', 'attach', 'release'].map((k) => fmt(median(steps[v.name]?.[k] ?? []), 2)).join(' + ')}), ${fmt((100 * inDaemon(v.name)) / m)} % of the run`,
        'dockerd ms (median)': v.name === 'none' ? fmt(dNone) : v.name === 'bridge' ? fmt(dBridge) : 'n/a',
        'dockerd network share': v.name === 'bridge' && dNone !== undefined && dBridge !== undefined ? `${fmt(dBridge - dNone)} ms (${fmt((100 * (dBridge - dNone)) / dBridge)} %)` : '-',
        'dockerd reference (earlier, 20.10)': v.name === 'none' ? String(DOCKERD_REF.none) : v.name === 'bridge' ? `${DOCKERD_REF.bridge} (share ${DOCKERD_REF.bridge - DOCKERD_REF.none} ms)` : '-',
      });
    }
    notes.push(`${RUNS} runs per variant, alternating; wall clock of the docker CLI from spawn to exit.`);
    notes.push(`In-daemon times from STRATAD_NET_TRACE=1 (${total.size} containers): prepare (IPAM, host ports, /etc/hosts, nft render when ports), attach (one request to the long-lived strata-netattach helper: veths, addresses, route; lo only for none), release (records, nft render when ports). Budget for networking on the run path: <= 15 ms.`);
    notes.push(dNone !== undefined ? 'dockerd: measured here, the same CLI and image, its default bridge network on a private bridge without iptables (a plain run needs none); -p and user networks are not run on it (they would change the host firewall).' : 'dockerd is not installed: its columns are empty; the reference figures are from an earlier measurement (docker run 205 ms without a network, 266 ms with the bridge).');
  } catch (e) {
    failure = e as Error;
    notes.push(`FAILED: ${failure.message.split('\n').slice(0, 4).join(' ')}`);
  } finally {
    try {
      const ids = docker(['ps', '-aq']);
      if (ids) docker(['rm', '-f', ...ids.split('\n')]);
      docker(['network', 'prune', '-f']);
    } catch (e) {
      notes.push(`clean-up: ${(e as Error).message.split('\n')[0]}`);
    }
    await stopChild(stratad);
    await stopChild(lifecycled);
    const left = readdirSync('/sys/class/net').filter((l) => l.startsWith(prefix));
    spawnSync('nft', ['delete', 'table', 'ip', table]);
    for (const l of [bridge, ...left]) spawnSync('ip', ['link', 'del', l]);
    notes.push(left.length ? `left behind (removed): ${left.join(' ')}` : 'nothing left behind (veths, user bridges); bench bridge and nft table removed');
    rmSync(dir, { recursive: true, force: true });
  }
  const markdown = writeReport('network', 'networking share of `docker run`, stratad beside dockerd', rows, notes, raw);
  process.stdout.write(`${markdown}\n`);
  if (failure) {
    process.stderr.write(`${failure.stack ?? failure.message}\n`);
    process.exitCode = 1;
  }
}
