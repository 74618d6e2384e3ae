// Host snapshots for "nothing left behind" checks: mounts, cgroup directories
// and processes.  A suite snapshots before it starts containers and compares
// after; a single test can also ask what is left of one container.
//
// Other engineers and sessions start containers on this host at the same time,
// so a diff only counts what belongs to the suite: entries naming one of its
// markers (its temp dir, its cgroup prefix, its container-id tag).
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, readlinkSync, rmdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

export interface Mount {
  id: number;
  parent: number;
  /** Path inside the mounted filesystem that is the mount's root (field 4). */
  root: string;
  /** Where it is mounted (field 5). */
  mountPoint: string;
  options: string;
  fsType: string;
  source: string;
}

export interface ProcessInfo {
  pid: number;
  cmdline: string;
  root: string;
  cgroup: string;
}

export interface HostSnapshot {
  mounts: Mount[];
  cgroupDirs: Set<string>;
  pids: Set<number>;
}

export interface Leaks {
  mounts: string[];
  cgroupDirs: string[];
  processes: string[];
}

/** Undo the octal escapes mountinfo uses for spaces and the like. */
function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

/** Parse /proc/<pid>/mountinfo text. */
export function parseMountinfo(text: string): Mount[] {
  const mounts: Mount[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [pre, post] = line.split(' - ');
    if (pre === undefined || post === undefined) continue;
    const f = pre.split(' ');
    const g = post.split(' ');
    mounts.push({
      id: Number(f[0]),
      parent: Number(f[1]),
      root: unescape(f[3] ?? ''),
      mountPoint: unescape(f[4] ?? ''),
      options: f[5] ?? '',
      fsType: g[0] ?? '',
      source: unescape(g[1] ?? ''),
    });
  }
  return mounts;
}

export function hostMounts(): Mount[] {
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'));
}

/** Mount points of every cgroup hierarchy (v1 and v2) on this host. */
export function cgroupHierarchies(): string[] {
  return hostMounts()
    .filter((m) => m.fsType === 'cgroup' || m.fsType === 'cgroup2')
    .map((m) => m.mountPoint);
}

function listDirs(dir: string, depth: number, out: Set<string>): void {
  if (depth <= 0) return;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return; // removed while we looked
  }
  for (const e of entries) {
    if (!e.isDirectory()) continue;
    const path = join(dir, e.name);
    out.add(path);
    listDirs(path, depth - 1, out);
  }
}

/** Every cgroup directory down to `depth` levels in every hierarchy. */
export function cgroupDirs(depth = 4): Set<string> {
  const out = new Set<string>();
  for (const h of cgroupHierarchies()) listDirs(h, depth, out);
  return out;
}

function readOr(path: string, fallback: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return fallback;
  }
}

function linkOr(path: string, fallback: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return fallback;
  }
}

export function processInfo(pid: number): ProcessInfo | undefined {
  const cmdline = readOr(`/proc/${pid}/cmdline`, '\0missing').replace(/\0/g, ' ').trim();
  if (cmdline === 'missing') return undefined;
  return { pid, cmdline, root: linkOr(`/proc/${pid}/root`, ''), cgroup: readOr(`/proc/${pid}/cgroup`, '') };
}

export function hostPids(): Set<number> {
  const out = new Set<number>();
  for (const name of readdirSync('/proc')) if (/^\d+$/.test(name)) out.add(Number(name));
  return out;
}

export function snapshot(): HostSnapshot {
  return { mounts: hostMounts(), cgroupDirs: cgroupDirs(), pids: hostPids() };
}

const mentions = (text: string, markers: string[]) => markers.some((m) => m.length > 0 && text.includes(m));

/** Processes alive now whose command line, root or cgroup names a marker. */
export function markedProcesses(markers: string[], exclude: Set<number> = new Set()): ProcessInfo[] {
  const out: ProcessInfo[] = [];
  for (const pid of hostPids()) {
    if (pid === process.pid || exclude.has(pid)) continue;
    const info = processInfo(pid);
    if (!info || !alive(pid)) continue; // zombies are their parent's to reap
    if (mentions(info.cmdline, markers) || mentions(info.root, markers) || mentions(info.cgroup, markers)) out.push(info);
  }
  return out;
}

/**
 * What is new since `before` and names a marker: mounts (mount point or
 * source), cgroup directories, and processes (command line, root or cgroup).
 */
export function findLeaks(before: HostSnapshot, markers: string[]): Leaks {
  const oldMounts = new Set(before.mounts.map((m) => `${m.id}:${m.mountPoint}`));
  const mounts = hostMounts()
    .filter((m) => !oldMounts.has(`${m.id}:${m.mountPoint}`))
    .filter((m) => mentions(m.mountPoint, markers) || mentions(m.source, markers) || m.mountPoint.includes('strata'))
    .map((m) => `${m.mountPoint} (${m.fsType} ${m.source})`);
  const cgroups = [...cgroupDirs()].filter((d) => !before.cgroupDirs.has(d) && mentions(d, markers)).sort();
  const processes = markedProcesses(markers, before.pids).map((p) => `${p.pid} ${p.cmdline}`);
  return { mounts, cgroupDirs: cgroups, processes };
}

/** The directories of one cgroupsPath that exist now, in any hierarchy. */
export function containerCgroupDirs(cgroupsPath: string): string[] {
  return cgroupHierarchies()
    .map((h) => join(h, cgroupsPath))
    .filter((d) => existsSync(d));
}

/** A cgroup file of one container in the first hierarchy that has it. */
export function cgroupFile(cgroupsPath: string, file: string): string | undefined {
  for (const dir of containerCgroupDirs(cgroupsPath)) {
    const path = join(dir, file);
    if (existsSync(path)) return path;
  }
  return undefined;
}

/** Live processes in process group pgid (a detached child leads its own group; its forks stay in it). */
export function processGroupMembers(pgid: number): number[] {
  const out: number[] = [];
  for (const pid of hostPids()) {
    const stat = readOr(`/proc/${pid}/stat`, '');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) === pgid && alive(pid)) out.push(pid);
  }
  return out;
}

/** Is there a live, non-zombie process with this pid? */
export function alive(pid: number): boolean {
  const stat = readOr(`/proc/${pid}/stat`, '');
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/**
 * Best-effort removal of what a failed runtime left behind, after the leak
 * report was taken: SIGKILL the marked processes (by pid), lazily unmount the
 * marked mounts (deepest first), remove the marked cgroup directories
 * (deepest first) and then the given cgroup prefix if it is empty.
 */
export function forceCleanup(before: HostSnapshot, markers: string[], cgroupPrefixes: string[] = []): void {
  for (const p of markedProcesses(markers, before.pids)) {
    try {
      process.kill(p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  const oldMounts = new Set(before.mounts.map((m) => `${m.id}:${m.mountPoint}`));
  const leftover = hostMounts()
    .filter((m) => !oldMounts.has(`${m.id}:${m.mountPoint}`) && mentions(m.mountPoint, markers))
    .map((m) => m.mountPoint)
    .sort((a, b) => b.length - a.length);
  for (const mp of leftover) {
    try {
      execFileSync('umount', ['-l', mp], { stdio: 'ignore' });
    } catch {
      /* raced with another unmount */
    }
  }
  const dirs = [...cgroupDirs()].filter((d) => !before.cgroupDirs.has(d) && mentions(d, markers));
  for (const h of cgroupHierarchies()) for (const p of cgroupPrefixes) dirs.push(join(h, p));
  dirs.sort((a, b) => b.length - a.length);
  for (const d of dirs) rmdirQuiet(d, cgroupPrefixes.some((p) => d.endsWith(p)) ? 1 : 20);
}

/** rmdir a cgroup directory, retrying briefly while its last tasks exit. */
export function rmdirQuiet(dir: string, tries = 20): void {
  for (let i = 0; i < tries; i++) {
    try {
      if (!existsSync(dir) || !statSync(dir).isDirectory()) return;
      rmdirSync(dir);
      return;
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EBUSY' || i === tries - 1) return; // busy prefix: someone else's children live there
      execFileSync('sleep', ['0.05']);
    }
  }
}
