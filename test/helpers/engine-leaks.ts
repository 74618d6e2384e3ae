// What an isolated engine made on the host, and what of it is left.
//
// stratad names containers by random hex (lifecycled's id is the first 32),
// so nothing of a stratad container names the test's temp dir or tag: its
// cgroup is <parent>/<id>, its processes are `sleep 1000` and the like.
// The engine's own record is its exec root: lifecycled makes
// <exec-root>/tasks/<id> for every task, so a ContainerTracker watches that
// directory from the engine's start and remembers every id it ever saw.
// Then, keyed only by this engine (other engines run side by side and share
// the cgroup parent), these count as its leftovers:
//   - cgroup directories that did not exist before the suite and are named by
//     a tracked id (or name a marker: the temp dir, the id tag);
//   - processes that did not exist before and sit in such a cgroup, name a
//     marker, or descend from a process naming the exec root (its shims);
//   - new mounts naming a marker.
import { watch, mkdirSync, readdirSync, readFileSync, writeFileSync, type FSWatcher } from 'node:fs';
import { basename, dirname, join } from 'node:path';

import { alive, cgroupDirs, forceCleanup, hostMounts, hostPids, processInfo, rmdirQuiet, type HostSnapshot, type Leaks, type ProcessInfo } from './leaks.ts';
import { sleep } from './run.ts';

/** Every task id lifecycled makes under one exec root, from the start on. */
export class ContainerTracker {
  readonly ids = new Set<string>();
  readonly tasksDir: string;
  private watcher: FSWatcher | undefined;

  constructor(readonly execRoot: string) {
    this.tasksDir = join(execRoot, 'tasks');
  }

  /** Create the tasks dir (as lifecycled would) and watch it. */
  start(): this {
    mkdirSync(this.tasksDir, { recursive: true, mode: 0o711 });
    this.watcher = watch(this.tasksDir, (_event, name) => {
      if (name) this.ids.add(String(name));
    });
    this.watcher.on('error', () => undefined); // the dir goes away with the temp dir
    this.watcher.unref(); // never what keeps a test or bench process alive
    this.scan();
    return this;
  }

  /** Add whatever is in the tasks dir now (a watch event may still be queued). */
  scan(): void {
    try {
      for (const name of readdirSync(this.tasksDir)) this.ids.add(name);
    } catch {
      /* not there (yet, or any more) */
    }
  }

  stop(): void {
    this.watcher?.close();
    this.watcher = undefined;
  }
}

/** What identifies one engine's things on the host. */
export interface EngineScope {
  before: HostSnapshot;
  /** Substrings that only this engine's things contain: its temp dir, its id tag. */
  markers: string[];
  /** Processes descending from one naming this (its shims, its daemons) are the engine's. */
  execRoot?: string;
  tracker?: ContainerTracker;
}

const mentions = (text: string, markers: string[]) => markers.some((m) => m.length > 0 && text.includes(m));

/** The cgroup paths in /proc/<pid>/cgroup, one per hierarchy. */
function cgroupPathsOf(info: ProcessInfo): string[] {
  return info.cgroup
    .split('\n')
    .map((l) => l.slice(l.indexOf(':', l.indexOf(':') + 1) + 1))
    .filter((p) => p.length > 1);
}

function ownsCgroup(scope: EngineScope, dir: string): boolean {
  return mentions(dir, scope.markers) || (scope.tracker?.ids.has(basename(dir)) ?? false);
}

/** New cgroup directories of this engine's containers (deepest first). */
export function engineCgroupDirs(scope: EngineScope): string[] {
  scope.tracker?.scan();
  return [...cgroupDirs()].filter((d) => !scope.before.cgroupDirs.has(d) && ownsCgroup(scope, d)).sort((a, b) => b.length - a.length);
}

function ppidOf(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  } catch {
    return 0;
  }
}

/** New live processes of this engine: in its cgroups, naming a marker, or below a process naming its exec root. */
export function engineProcesses(scope: EngineScope): ProcessInfo[] {
  scope.tracker?.scan();
  const infos = new Map<number, ProcessInfo>();
  for (const pid of hostPids()) {
    if (pid === process.pid) continue;
    const info = processInfo(pid);
    if (info) infos.set(pid, info);
  }
  const roots = scope.execRoot ? [scope.execRoot, ...scope.markers] : scope.markers;
  const namesRoot = new Map<number, boolean>();
  const underRoot = (pid: number, depth = 0): boolean => {
    if (pid <= 1 || depth > 64) return false;
    const known = namesRoot.get(pid);
    if (known !== undefined) return known;
    const info = infos.get(pid);
    const own = info !== undefined && mentions(info.cmdline, roots);
    const result = own || underRoot(ppidOf(pid), depth + 1);
    namesRoot.set(pid, result);
    return result;
  };
  const out: ProcessInfo[] = [];
  for (const [pid, info] of infos) {
    if (scope.before.pids.has(pid) || !alive(pid)) continue; // zombies are their parent's to reap
    const inOwnCgroup = cgroupPathsOf(info).some((p) => ownsCgroup(scope, p));
    if (inOwnCgroup || mentions(info.cmdline, scope.markers) || mentions(info.root, scope.markers) || underRoot(pid)) out.push(info);
  }
  return out;
}

/** Everything of this engine still on the host. */
export function findEngineLeaks(scope: EngineScope): Leaks {
  const oldMounts = new Set(scope.before.mounts.map((m) => `${m.id}:${m.mountPoint}`));
  const mounts = hostMounts()
    .filter((m) => !oldMounts.has(`${m.id}:${m.mountPoint}`) && (mentions(m.mountPoint, scope.markers) || mentions(m.source, scope.markers)))
    .map((m) => `${m.mountPoint} (${m.fsType} ${m.source})`);
  return {
    mounts,
    cgroupDirs: engineCgroupDirs(scope),
    processes: engineProcesses(scope).map((p) => `${p.pid} ${p.cmdline}${p.cmdline ? '' : ' (no command line)'} [cgroup ${cgroupPathsOf(p)[0] ?? '?'}]`),
  };
}

/** Thaw this engine's frozen cgroups (a paused container ignores SIGKILL until then). */
export function thawEngineCgroups(scope: EngineScope): void {
  for (const d of engineCgroupDirs(scope)) {
    try {
      if (readFileSync(join(d, 'freezer.state'), 'utf8').trim() !== 'THAWED') writeFileSync(join(d, 'freezer.state'), 'THAWED');
    } catch {
      /* not the freezer hierarchy, or gone */
    }
    try {
      if (readFileSync(join(d, 'cgroup.freeze'), 'utf8').trim() === '1') writeFileSync(join(d, 'cgroup.freeze'), '0');
    } catch {
      /* v1, or gone */
    }
  }
}

function kill9(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    /* gone meanwhile */
  }
}

/**
 * Best-effort removal of what the engine's teardown left, after the leak
 * report was taken: thaw and SIGKILL everything in its cgroups and its
 * processes (by pid), unmount and remove marker things, rmdir its cgroups
 * deepest first, then their parents if this suite made them and they are empty.
 */
export async function forceEngineCleanup(scope: EngineScope): Promise<void> {
  thawEngineCgroups(scope);
  const dirs = engineCgroupDirs(scope);
  const pids = new Set(engineProcesses(scope).map((p) => p.pid));
  for (const d of dirs) {
    try {
      for (const l of readFileSync(join(d, 'cgroup.procs'), 'utf8').split('\n')) if (/^\d+$/.test(l)) pids.add(Number(l));
    } catch {
      /* gone */
    }
  }
  for (const pid of pids) kill9(pid);
  for (let i = 0; i < 40 && [...pids].some(alive); i++) await sleep(25);
  forceCleanup(scope.before, scope.markers);
  for (const d of dirs) rmdirQuiet(d);
  for (const parent of new Set(dirs.map((d) => dirname(d)))) if (!scope.before.cgroupDirs.has(parent)) rmdirQuiet(parent, 1);
}
