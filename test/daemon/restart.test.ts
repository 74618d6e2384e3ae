// The engine survives its own restarts: with 10 containers counting lines to
// stdout and a `docker logs -f` follower on one, `strata engine restart
// daemon` and then `strata engine restart lifecycle` leave every container
// running with the same pid, the API answers again, and the follower (which
// reconnects with --since the last timestamp it saw whenever its stream
// ends) has every line number with no gap.  At the end everything is stopped
// and nothing of the engine is left on the host.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { REPO_ROOT } from '../../engine/install-paths.ts';
import { describeLeaks, until } from '../helpers/engine.ts';
import { makeBusyboxTarball } from '../helpers/image.ts';
import { cliEngineRoots, type CliEngine } from '../helpers/cli-engine.ts';
import { pingUnix } from '../helpers/socket.ts';
import { alive, cgroupHierarchies, findLeaks, type HostSnapshot } from '../helpers/leaks.ts';

const STRATA = join(REPO_ROOT, 'bin', 'strata');
const DOCKER = '/usr/local/bin/docker';
const COUNT = 10;
const COUNTER = 'i=0; while true; do echo line $i; i=$((i+1)); sleep 0.05; done';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let before: HostSnapshot;
let engine: CliEngine | undefined;
let dir = '';
let execRoot = '';
let socket = '';
let flags: string[] = [];
const cliEnv: NodeJS.ProcessEnv = { ...process.env };
delete cliEnv.DOCKER_HOST;
delete cliEnv.DOCKER_CONTEXT;

function run(cmd: string, args: string[], timeoutMs = 60_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs, env: cliEnv });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}\n${r.stderr}${r.stdout}\n${engineLogs()}`.trim());
  return r.stdout;
}
const docker = (args: string[], timeoutMs?: number) => run(DOCKER, ['-H', `unix://${socket}`, ...args], timeoutMs);
const strata = (args: string[], timeoutMs?: number) => run(STRATA, args, timeoutMs);

/** The tails of the daemons' logs under the exec root, for failure messages. */
const engineLogs = () => engine?.logs(30) ?? '';

const ping = () => pingUnix(socket);

/**
 * `docker logs -f --timestamps` on one container, restarted with --since
 * the last timestamp it saw each time its stream ends (stratad going away
 * ends it).  --since is inclusive, so a restart repeats the last line or
 * so; numbers are kept as a set.
 */
class Follower {
  readonly seen = new Set<number>();
  lastStamp = '';
  reconnects = 0;
  private child: ChildProcess | undefined;
  private stopped = false;
  private loop: Promise<void>;

  constructor(private readonly id: string) {
    this.loop = this.follow();
  }

  get max(): number {
    return this.seen.size ? Math.max(...this.seen) : -1;
  }

  /** Line numbers missing between 0 and the highest seen. */
  gaps(): number[] {
    const missing: number[] = [];
    for (let n = 0; n <= this.max; n++) if (!this.seen.has(n)) missing.push(n);
    return missing;
  }

  private async follow(): Promise<void> {
    while (!this.stopped) {
      const since = this.lastStamp ? ['--since', this.lastStamp] : [];
      await this.once(['-H', `unix://${socket}`, 'logs', '-f', '--timestamps', ...since, this.id]);
      if (this.stopped) return;
      this.reconnects++;
      await sleep(100); // the daemon may be down: retry until it answers
    }
  }

  private once(args: string[]): Promise<void> {
    return new Promise((resolve) => {
      const child = spawn(DOCKER, args, { env: cliEnv, stdio: ['ignore', 'pipe', 'ignore'] });
      this.child = child;
      let partial = '';
      child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        const lines = (partial + chunk).split('\n');
        partial = lines.pop() ?? '';
        for (const l of lines) {
          const m = /^(\S+) line (\d+)$/.exec(l);
          if (!m) continue;
          this.lastStamp = m[1] as string;
          this.seen.add(Number(m[2]));
        }
      });
      child.once('error', () => resolve());
      child.once('close', () => resolve());
    });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.child && this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    await this.loop;
  }
}

interface Ctr { id: string; pid: number; cgroups: string[] }
const containers: Ctr[] = [];
let follower: Follower | undefined;

function inspectPid(id: string): { running: boolean; pid: number } {
  const [running, pid] = docker(['inspect', '--format', '{{.State.Running}} {{.State.Pid}}', id]).trim().split(' ');
  return { running: running === 'true', pid: Number(pid) };
}

/** The cgroup directories a process is in, in every v1 hierarchy (and v2). */
function cgroupDirsOf(pid: number): string[] {
  const out: string[] = [];
  const hierarchies = cgroupHierarchies();
  for (const line of readFileSync(`/proc/${pid}/cgroup`, 'utf8').trim().split('\n')) {
    const [, controllers, path] = line.split(':') as [string, string, string];
    if (!path || path === '/') continue;
    const name = controllers.replace(/^name=/, '') || 'unified';
    const h = hierarchies.find((m) => m.endsWith(`/${name}`) || (name === 'unified' && m === '/sys/fs/cgroup'));
    if (h) out.push(join(h, path));
  }
  return out;
}

/** The pids in the engine's pid files (exec root): which process each layer is. */
function layerPids(): { stratad: number; lifecycled: number } {
  const read = (f: string) => Number(readFileSync(join(execRoot, f), 'utf8').trim());
  return { stratad: read('stratad.pid'), lifecycled: read('lifecycled.pid') };
}

/** After a restart: the API answers, every container runs with the same pid, the follower has no gap. */
async function checkSurvived(layer: string): Promise<void> {
  await until(ping, 30_000, `stratad answering /_ping after restarting ${layer}`);
  expect(docker(['ps', '-q']).split('\n').filter(Boolean)).toHaveLength(COUNT);
  for (const c of containers) {
    expect(inspectPid(c.id), `container ${c.id} after restarting ${layer}`).toEqual({ running: true, pid: c.pid });
    expect(alive(c.pid), `pid ${c.pid} of ${c.id} alive after restarting ${layer}`).toBe(true);
  }
  // The follower resumes: it sees lines written well after the restart.
  const f = follower as Follower;
  const target = f.max + 40; // ~2 s of output at 20 lines/s
  await until(() => f.max >= target, 30_000, `the follower to see line ${target} after restarting ${layer} (at ${f.max}, ${f.reconnects} reconnects)`);
  expect(f.gaps(), `line numbers missing in the follower after restarting ${layer}`).toEqual([]);
  console.log(`after restarting ${layer}: ${COUNT} containers running with the same pids; follower at line ${f.max}, ${f.seen.size} distinct lines, ${f.reconnects} reconnects, no gap`);
}

describe('strata engine restart: containers and log followers survive', () => {
  beforeAll(async () => {
    // The roots, and the tracking of every container this engine makes (for the teardown's leak check).
    engine = cliEngineRoots('/tmp/srt-'); // short: shim sockets live under the exec root
    before = engine.scope.before;
    ({ dir, execRoot, socket, flags } = engine);
    strata(['engine', 'start', ...flags]);
    expect(await ping()).toBe(true);
    const tarball = makeBusyboxTarball(join(dir, 'busybox.tar'));
    docker(['import', tarball, 'busybox:latest']);
    rmSync(tarball, { force: true });
  }, 120_000);

  afterAll(async () => {
    await follower?.stop();
    // Normally the last test has stopped everything; after a failure this removes the containers
    // (docker rm -f, then through lifecycled), stops the engine and fails on what is left.
    await engine?.teardown();
  }, 120_000);

  it(`runs ${COUNT} counting containers and follows one's logs`, async () => {
    for (let i = 0; i < COUNT; i++) {
      const id = docker(['run', '-d', 'busybox', 'sh', '-c', COUNTER]).trim();
      const { running, pid } = inspectPid(id);
      expect(running).toBe(true);
      expect(pid).toBeGreaterThan(0);
      containers.push({ id, pid, cgroups: cgroupDirsOf(pid) });
    }
    expect(containers.every((c) => c.cgroups.length > 0)).toBe(true);
    follower = new Follower((containers[0] as Ctr).id);
    const f = follower;
    await until(() => f.max >= 20, 20_000, 'the follower to see line 20');
    expect(f.gaps()).toEqual([]);
  }, 120_000);

  it('strata engine restart daemon: same pids, API back, no line lost', async () => {
    const f = follower as Follower;
    const reconnects = f.reconnects;
    const old = layerPids();
    strata(['engine', 'restart', 'daemon', ...flags], 120_000);
    const now = layerPids();
    expect(now.stratad, 'a new stratad process').not.toBe(old.stratad);
    expect(alive(old.stratad), `the old stratad ${old.stratad} is gone`).toBe(false);
    expect(now.lifecycled, 'lifecycled untouched').toBe(old.lifecycled);
    await checkSurvived('daemon');
    // The follower's stream really broke and was picked up again (else this proves little).
    expect(f.reconnects).toBeGreaterThan(reconnects);
  }, 120_000);

  it('strata engine restart lifecycle: same pids, API back, no line lost', async () => {
    const old = layerPids();
    strata(['engine', 'restart', 'lifecycle', ...flags], 120_000);
    const now = layerPids();
    expect(now.lifecycled, 'a new strata-lifecycled process').not.toBe(old.lifecycled);
    expect(alive(old.lifecycled), `the old lifecycled ${old.lifecycled} is gone`).toBe(false);
    await checkSurvived('lifecycle');
    // With lifecycled back, the API still manages the containers (not just lists them).
    expect(docker(['top', (containers[1] as Ctr).id])).toContain('sleep');
  }, 120_000);

  it('stops everything and leaves nothing behind', async () => {
    await follower?.stop();
    follower = undefined;
    docker(['rm', '-f', ...containers.map((c) => c.id)], 120_000);
    for (const c of containers) expect(alive(c.pid), `pid ${c.pid} after docker rm -f`).toBe(false);
    strata(['engine', 'stop', ...flags], 60_000);
    expect(await ping()).toBe(false);
    const leaks = findLeaks(before, [dir]);
    leaks.mounts = leaks.mounts.filter((m) => m.includes(dir));
    leaks.cgroupDirs.push(...containers.flatMap((c) => c.cgroups).filter((d) => existsSync(d)));
    expect(describeLeaks(leaks)).toBe('');
  }, 120_000);
});
