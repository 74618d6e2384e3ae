// The real stack's shims for `npm run bench -- lifecycle`: idle containers
// under conmon + runc (the way Podman starts them) and under a private
// containerd's containerd-shim-runc-v2, each measured like strata-shim and then
// removed.  Only Debian's packages already on the host are used; when one is
// missing the measurement says "not installed" and nothing is started.
//
// Everything lives under one temp dir per stack, and every id carries a tag
// made from it, so a failure at any step is cleaned up the way the test
// helpers do it: processes we started (by pid), mounts under the dir, cgroup
// directories naming the tag.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { alive, unmountUnder, until } from '../test/helpers/engine.ts';
import { makeBusyboxBundle } from '../test/helpers/image.ts';
import { cgroupHierarchies, findLeaks, forceCleanup, markedProcesses, rmdirQuiet, snapshot, type HostSnapshot } from '../test/helpers/leaks.ts';
import { tagOf, waitExit as childExit } from '../test/helpers/run.ts';

/** VmRSS and RssAnon (/proc/<pid>/status), Pss (smaps_rollup). */
export interface Memory { rssKiB: number; pssKiB: number; anonKiB: number }

export interface OtherShim {
  /** Installed binaries and versions, or why it was not measured. */
  note: string;
  /** One entry per idle container's shim process. */
  mem: Memory[];
  /** The daemon's own memory (containerd), for the detail column. */
  daemon?: Memory;
  /** What was left behind and had to be force-removed (should be empty). */
  leftovers?: string[];
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
  const kib = (text: string, key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKiB: kib(status, 'VmRSS'), pssKiB: kib(rollup, 'Pss'), anonKiB: kib(status, 'RssAnon') };
}

export function which(bin: string): string | undefined {
  const r = spawnSync('sh', ['-c', `command -v ${bin}`], { encoding: 'utf8' });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

const PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function firstLine(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: 10_000 });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.split('\n').find((l) => l.trim())?.trim() ?? '?';
}

/** Run a command to completion; throw with its output unless it exits 0. */
function run(cmd: string, args: string[], timeoutMs = 30_000): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', timeout: timeoutMs });
  if (r.status !== 0) {
    throw new Error(`${[cmd, ...args].join(' ')}: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}\n${r.stdout ?? ''}${r.stderr ?? ''}`.trim());
  }
  return r.stdout;
}

/** Run a command for its side effect during cleanup; failures are expected. */
function attempt(cmd: string, args: string[]): void {
  spawnSync(cmd, args, { stdio: 'ignore', timeout: 15_000 });
}

/** Wait for a pid to exit (or turn zombie), SIGKILL it after ms. */
async function awaitExit(pid: number, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (!alive(pid)) return true;
    await sleep(50);
  }
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
  return false;
}



/**
 * After a stack's own teardown: anything still naming the dir or tag is a
 * leftover; report it, remove it (processes by pid, lazy unmounts, cgroup
 * dirs deepest first), then remove the dir.
 */
function sweep(before: HostSnapshot, dir: string, tag: string): string[] {
  const markers = [dir, tag];
  const leaks = findLeaks(before, markers);
  const found = [...leaks.processes.map((p) => `process ${p}`), ...leaks.mounts.map((m) => `mount ${m}`), ...leaks.cgroupDirs.map((d) => `cgroup ${d}`)];
  forceCleanup(before, markers, []);
  unmountUnder(dir);
  rmSync(dir, { recursive: true, force: true });
  return found;
}

/**
 * conmon + runc, as Podman runs a container: conmon double-forks, runs
 * `runc create` as its child, writes the container's k8s-file log and its exit
 * file; the caller then runs `runc start`.  No sync pipes (Podman's
 * _OCI_SYNCPIPE/_OCI_STARTPIPE are optional): the container pid file says
 * when create is done.
 */
export async function measureConmon(count: number, settleMs: number): Promise<OtherShim> {
  const conmon = which('conmon');
  if (!conmon) return { note: 'not installed', mem: [] };
  const runc = which('runc');
  if (!runc) return { note: `${conmon} installed, but no runc to run it with`, mem: [] };
  const version = `${firstLine(conmon, ['--version'])}, ${firstLine(runc, ['--version'])}`;

  const before = snapshot();
  const dir = mkdtempSync('/tmp/sbc-'); // short: the attach socket path must fit sun_path
  const tag = tagOf('sbc', dir);
  const runcRoot = join(dir, 'runc');
  const exits = join(dir, 'exits');
  const sockets = join(dir, 'socks');
  for (const d of [runcRoot, exits, sockets]) mkdirSync(d);
  const started: { id: string; conmonPid: number }[] = [];
  const mem: Memory[] = [];
  let error: Error | undefined;
  try {
    for (let i = 0; i < count; i++) {
      const id = `${tag}-${i}`;
      const bundle = makeBusyboxBundle(join(dir, id), { args: ['sleep', '1000'] });
      bundle.spec.linux.cgroupsPath = `/${id}`;
      bundle.save();
      const containerPidfile = join(bundle.dir, 'pidfile');
      const conmonPidfile = join(dir, `${id}.conmon.pid`);
      const out = openSync(join(dir, `${id}.conmon.out`), 'a');
      try {
        // The main conmon process forks, writes --conmon-pidfile and exits;
        // its child stays as the container's monitor.
        const r = spawnSync(conmon, [
          '--api-version', '1',
          '-c', id,
          '-u', id,
          '-n', id,
          '-r', runc,
          '-b', bundle.dir,
          '-p', containerPidfile,
          '-P', conmonPidfile,
          '--exit-dir', exits,
          '--persist-dir', join(bundle.dir, 'persist'),
          '-l', `k8s-file:${join(bundle.dir, 'ctr.log')}`,
          '--log-level', 'warning',
          '--socket-dir-path', sockets,
          '--runtime-arg', '--log-format=json',
          '--runtime-arg', '--log',
          `--runtime-arg=${join(bundle.dir, 'oci-log')}`,
          `--runtime-arg=--root=${runcRoot}`,
        ], { stdio: ['ignore', out, out], timeout: 30_000 });
        if (r.status !== 0) throw new Error(`conmon exited ${r.status ?? r.signal}: ${readFileSync(join(dir, `${id}.conmon.out`), 'utf8')}`);
      } finally {
        closeSync(out);
      }
      await until(() => existsSync(conmonPidfile), 10_000, `conmon pid file ${conmonPidfile}`);
      const conmonPid = Number(readFileSync(conmonPidfile, 'utf8').trim());
      started.push({ id, conmonPid });
      await until(() => existsSync(containerPidfile) || !alive(conmonPid), 20_000, `runc create of ${id} under conmon`);
      if (!existsSync(containerPidfile)) throw new Error(`conmon exited before the container was created: ${readFileSync(join(dir, `${id}.conmon.out`), 'utf8')}`);
      run(runc, ['--root', runcRoot, 'start', id]);
      const status = () => (JSON.parse(run(runc, ['--root', runcRoot, 'state', id])) as { status: string }).status;
      await until(() => status() === 'running', 10_000, `${id} running`);
    }
    await sleep(settleMs);
    for (const s of started) {
      if (!alive(s.conmonPid)) throw new Error(`conmon ${s.conmonPid} of ${s.id} is gone`);
      mem.push(memoryOf(s.conmonPid));
    }
  } catch (e) {
    error = e as Error;
  } finally {
    for (const s of started) attempt(runc, ['--root', runcRoot, 'kill', s.id, 'KILL']);
    for (const s of started) {
      // conmon reaps the container, writes exits/<id> and exits by itself.
      if (!(await awaitExit(s.conmonPid, 10_000))) error ??= new Error(`conmon ${s.conmonPid} did not exit after its container was killed`);
    }
    for (const s of started) attempt(runc, ['--root', runcRoot, 'delete', '--force', s.id]);
  }
  const leftovers = sweep(before, dir, tag);
  if (error) return { note: `failed: ${error.message.split('\n').slice(0, 3).join(' ')}`, mem: [], leftovers };
  return { note: `${count} idle container${count === 1 ? '' : 's'} (sleep) under ${version}`, mem, leftovers };
}

function socketAnswers(ctr: string, address: string): boolean {
  return spawnSync(ctr, ['-a', address, 'version'], { stdio: 'ignore', timeout: 5_000 }).status === 0;
}

/**
 * A private containerd (own root, state, sockets; no CRI), one container per
 * count from a plain rootfs directory (`ctr run --rootfs`, no image), stdout
 * to a file log through the shim, runc state under the temp dir.
 */
export async function measureContainerdShim(count: number, settleMs: number): Promise<OtherShim> {
  const bins = ['containerd', 'ctr', 'containerd-shim-runc-v2', 'runc'].map((b) => [b, which(b)] as const);
  const missing = bins.filter(([, p]) => !p).map(([b]) => b);
  if (missing.includes('containerd') || missing.includes('containerd-shim-runc-v2')) return { note: 'not installed', mem: [] };
  if (missing.length) return { note: `installed, but ${missing.join(', ')} missing`, mem: [] };
  const [containerd, ctr, shim, runc] = bins.map(([, p]) => p as string) as [string, string, string, string];
  const shimVersion = /Version:\s*(\S+)/.exec(spawnSync(shim, ['-v'], { encoding: 'utf8', timeout: 10_000 }).stdout ?? '')?.[1] ?? '?';
  // "containerd github.com/containerd/containerd 1.6.20~ds1 <revision>"
  const daemonVersion = firstLine(containerd, ['--version']).split(/\s+/)[2] ?? '?';
  const version = `containerd ${daemonVersion}, containerd-shim-runc-v2 ${shimVersion}, ${firstLine(runc, ['--version'])}`;

  const before = snapshot();
  const dir = mkdtempSync('/tmp/sbd-');
  const tag = tagOf('sbd', dir);
  const ns = tag; // cgroups default to /<namespace>/<id>: both carry the tag
  const address = join(dir, 'containerd.sock');
  const config = join(dir, 'config.toml');
  writeFileSync(config, [
    'version = 2',
    `root = "${join(dir, 'root')}"`,
    `state = "${join(dir, 'state')}"`,
    'disabled_plugins = ["io.containerd.grpc.v1.cri"]',
    '[grpc]',
    `  address = "${address}"`,
    '[ttrpc]',
    `  address = "${address}.ttrpc"`,
    '[debug]',
    '  address = ""',
    '[metrics]',
    '  address = ""',
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = "${join(dir, 'opt')}"`,
    '',
  ].join('\n'));
  // containerd 1.6 puts shim sockets in /run/containerd/s/<hash> whatever the
  // state dir; each bundle's `address` file names its socket, removed below.
  const runDirsBefore = ['/run/containerd/s', '/run/containerd'].filter((d) => existsSync(d));
  const shimSockets: string[] = [];
  const ctrArgs = ['-a', address, '-n', ns];
  const created: string[] = [];
  const mem: Memory[] = [];
  let daemon: Memory | undefined;
  let child: ChildProcess | undefined;
  let error: Error | undefined;
  try {
    const out = openSync(join(dir, 'containerd.out'), 'a');
    try {
      child = spawn(containerd, ['--config', config, '--log-level', 'warn'], { stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const d = child;
    await until(() => d.exitCode !== null || d.signalCode !== null || socketAnswers(ctr, address), 20_000, `containerd on ${address}`);
    if (d.exitCode !== null || d.signalCode !== null) throw new Error(`containerd exited at start: ${readFileSync(join(dir, 'containerd.out'), 'utf8')}`);

    const shimPids: number[] = [];
    for (let i = 0; i < count; i++) {
      const id = `${tag}-${i}`;
      const rootfs = makeBusyboxBundle(join(dir, id)).rootfs;
      created.push(id);
      run(ctr, [...ctrArgs, 'run', '-d',
        '--rootfs',
        '--runtime', 'io.containerd.runc.v2',
        '--runc-root', join(dir, 'runc'),
        '--log-uri', `file://${join(dir, `${id}.log`)}`,
        // No image config, so no PATH unless given (the bundle spec's).
        '--env', PATH_ENV,
        rootfs, id, 'sleep', '1000']);
      const running = () => new RegExp(`^${id}\\s+\\d+\\s+RUNNING`, 'm').test(run(ctr, [...ctrArgs, 'task', 'ls']));
      await until(running, 10_000, `${id} running`);
      const addressFile = join(dir, 'state', 'io.containerd.runtime.v2.task', ns, id, 'address');
      if (existsSync(addressFile)) shimSockets.push(readFileSync(addressFile, 'utf8').trim().replace(/^unix:\/\//, ''));
      const pid = markedProcesses([dir]).find((p) => /containerd-shim-runc-v2$/.test(p.cmdline.split(' ')[0] ?? '') && p.cmdline.includes(`-id ${id}`))?.pid;
      if (pid === undefined) throw new Error(`no containerd-shim-runc-v2 process for ${id}`);
      shimPids.push(pid);
    }
    await sleep(settleMs);
    for (const pid of shimPids) mem.push(memoryOf(pid));
    if (child.pid !== undefined) daemon = memoryOf(child.pid);
  } catch (e) {
    error = e as Error;
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) {
      for (const id of created) {
        attempt(ctr, [...ctrArgs, 'task', 'kill', '-s', 'SIGKILL', id]);
        const stopped = () => {
          const r = spawnSync(ctr, [...ctrArgs, 'task', 'ls'], { encoding: 'utf8', timeout: 5_000 });
          return r.status !== 0 || !new RegExp(`^${id}\\s+\\d+\\s+(RUNNING|CREATED|UNKNOWN)`, 'm').test(r.stdout);
        };
        await until(stopped, 10_000, `${id} stopped`).catch((e: Error) => (error ??= e));
        attempt(ctr, [...ctrArgs, 'task', 'delete', id]);
        attempt(ctr, [...ctrArgs, 'container', 'delete', id]);
      }
      // The shims exit once their task is deleted.
      for (const p of markedProcesses([dir]).filter((p) => /containerd-shim/.test(p.cmdline.split(' ')[0] ?? ''))) {
        if (!(await awaitExit(p.pid, 10_000))) error ??= new Error(`containerd-shim ${p.pid} did not exit after task delete`);
      }
      child.kill('SIGTERM');
      if (!(await childExit(child, 15_000))) {
        error ??= new Error('containerd did not exit on SIGTERM');
        child.kill('SIGKILL');
        await childExit(child, 5_000);
      }
    }
    // runc deletes each container's cgroup (/<ns>/<id>), not the namespace's parent.
    for (const h of cgroupHierarchies()) rmdirQuiet(join(h, ns));
  }
  const leftovers = sweep(before, dir, tag);
  for (const s of shimSockets) {
    if (existsSync(s)) {
      leftovers.push(`shim socket ${s}`);
      rmSync(s, { force: true });
    }
  }
  for (const d of ['/run/containerd/s', '/run/containerd']) {
    if (runDirsBefore.includes(d) || !existsSync(d)) continue;
    try {
      if (readdirSync(d).length === 0) rmdirSync(d); // made by our run; kept if anyone else uses it now
    } catch {
      /* someone else's now */
    }
  }
  if (error) return { note: `failed: ${error.message.split('\n').slice(0, 3).join(' ')}`, mem: [], leftovers };
  return { note: `${count} idle container${count === 1 ? '' : 's'} (sleep) under a private ${version}`, mem, daemon, leftovers };
}
