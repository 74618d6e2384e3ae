// Task metrics read straight from the container's cgroup, v1 and v2.  The
// cgroup comes from /proc/<pid>/cgroup (path per hierarchy) and
// /proc/self/mountinfo (where each hierarchy is mounted, and which part of it:
// the mount's root), so it works on hybrid hosts and inside cgroup namespaces.
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';

import type { Metrics } from '../api-types.ts';
import { notFound } from '../../errors.ts';

interface CgroupMount {
  version: 'v1' | 'v2';
  controllers: string[]; // v1: from the super options; v2: []
  root: string;
  mountPoint: string;
}

function unescape(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)));
}

export function cgroupMounts(mountinfo: string): CgroupMount[] {
  const out: CgroupMount[] = [];
  for (const line of mountinfo.split('\n')) {
    const [pre, post] = line.split(' - ');
    if (!pre || !post) continue;
    const f = pre.split(' ');
    const [fsType, , superOpts] = post.split(' ');
    if (fsType !== 'cgroup' && fsType !== 'cgroup2') continue;
    out.push({
      version: fsType === 'cgroup2' ? 'v2' : 'v1',
      controllers: fsType === 'cgroup' ? (superOpts ?? '').split(',') : [],
      root: unescape(f[3] ?? '/'),
      mountPoint: unescape(f[4] ?? ''),
    });
  }
  return out;
}

/** controller ("" for the v2 unified line) -> cgroup path, from /proc/<pid>/cgroup. */
export function procCgroups(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^(\d+):([^:]*):(.*)$/.exec(line);
    if (!m || m[2] === undefined || m[3] === undefined) continue;
    if (m[2] === '') out.set('', m[3]);
    for (const c of m[2].split(',')) if (c) out.set(c, m[3]);
  }
  return out;
}

function dirFor(mounts: CgroupMount[], paths: Map<string, string>, controller: string): { dir: string; version: 'v1' | 'v2' } | undefined {
  const v1 = mounts.find((m) => m.version === 'v1' && m.controllers.includes(controller));
  const p1 = paths.get(controller);
  if (v1 && p1 !== undefined) return { dir: join(v1.mountPoint, relative(v1.root, p1)), version: 'v1' };
  const v2 = mounts.find((m) => m.version === 'v2');
  const p2 = paths.get('');
  if (v2 && p2 !== undefined) return { dir: join(v2.mountPoint, relative(v2.root, p2)), version: 'v2' };
  return undefined;
}

function read(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function num(text: string | undefined): number {
  if (text === undefined || text === 'max') return 0;
  const n = Number(text);
  return Number.isFinite(n) ? n : 0;
}

/** v1 reports "no limit" as a huge page-aligned number: show 0 like "max" on v2. */
function limit(n: number): number {
  return n >= 2 ** 62 ? 0 : n;
}

function v1Blkio(text: string | undefined): { read: number; write: number } {
  let r = 0;
  let w = 0;
  for (const line of (text ?? '').split('\n')) {
    const [, op, val] = line.split(' ');
    if (op === 'Read') r += num(val);
    if (op === 'Write') w += num(val);
  }
  return { read: r, write: w };
}

function v2Io(text: string | undefined): { read: number; write: number } {
  let r = 0;
  let w = 0;
  for (const m of (text ?? '').matchAll(/rbytes=(\d+)|wbytes=(\d+)/g)) {
    if (m[1]) r += Number(m[1]);
    if (m[2]) w += Number(m[2]);
  }
  return { read: r, write: w };
}

export function readMetrics(pid: number): Metrics {
  const cg = read(`/proc/${pid}/cgroup`);
  if (cg === undefined || pid <= 0) throw notFound('lifecycled', `no process ${pid} to read a cgroup from`);
  const mounts = cgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'));
  const paths = procCgroups(cg);
  const mem = dirFor(mounts, paths, 'memory');
  const cpu = dirFor(mounts, paths, 'cpuacct');
  const pids = dirFor(mounts, paths, 'pids');
  const io = dirFor(mounts, paths, 'blkio');
  const version = mem?.version ?? 'v2';
  if (version === 'v2' && mem) {
    const d = mem.dir;
    const usageUs = /usage_usec (\d+)/.exec(read(join(d, 'cpu.stat')) ?? '');
    const ioStat = v2Io(read(join(d, 'io.stat')));
    return {
      cgroup_version: 'v2',
      cpu_usage_ns: usageUs?.[1] ? Number(usageUs[1]) * 1000 : 0,
      memory_usage: num(read(join(d, 'memory.current'))),
      memory_limit: num(read(join(d, 'memory.max'))),
      pids_current: num(read(join(d, 'pids.current'))),
      pids_limit: num(read(join(d, 'pids.max'))),
      io_read_bytes: ioStat.read,
      io_write_bytes: ioStat.write,
    };
  }
  const blk = v1Blkio(io ? read(join(io.dir, 'blkio.throttle.io_service_bytes')) : undefined);
  return {
    cgroup_version: 'v1',
    cpu_usage_ns: cpu ? num(read(join(cpu.dir, 'cpuacct.usage'))) : 0,
    memory_usage: mem ? num(read(join(mem.dir, 'memory.usage_in_bytes'))) : 0,
    memory_limit: mem ? limit(num(read(join(mem.dir, 'memory.limit_in_bytes')))) : 0,
    pids_current: pids ? num(read(join(pids.dir, 'pids.current'))) : 0,
    pids_limit: pids ? num(read(join(pids.dir, 'pids.max'))) : 0,
    io_read_bytes: blk.read,
    io_write_bytes: blk.write,
  };
}
