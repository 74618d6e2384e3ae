// Reading a task's on-disk record (the shim's state dir) and freeing what a
// task holds on the host: the rootfs mount, the cgroup directories its
// config.json names, the bundle dir.  Shared by task delete and recovery.
import { readFileSync, rmSync, rmdirSync } from 'node:fs';
import { join, dirname } from 'node:path';

import { unmountAll } from './mounts.ts';
import { cgroupMounts } from './metrics.ts';
import type { ExitStatus } from './shim-types.ts';

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/** The shim's `exit` (or `exec-<id>.exit`) file, if it was written. */
export function readExitFile(shimDir: string, execId?: string): ExitStatus | undefined {
  const text = readText(join(shimDir, execId ? `exec-${execId}.exit` : 'exit'));
  if (!text) return undefined;
  try {
    const j = JSON.parse(text) as Partial<ExitStatus>;
    if (typeof j.code !== 'number') return undefined;
    return {
      pid: typeof j.pid === 'number' ? j.pid : 0,
      code: j.code,
      signal: typeof j.signal === 'number' ? j.signal : 0,
      oom: j.oom === true,
      exited_at: typeof j.exited_at === 'string' ? j.exited_at : new Date().toISOString(),
    };
  } catch {
    return undefined; // written atomically, so a bad one is not ours
  }
}

export function readPidFile(path: string): number {
  const n = Number((readText(path) ?? '').trim());
  return Number.isInteger(n) && n > 0 ? n : 0;
}

/** Alive and not a zombie. */
export function processAlive(pid: number): boolean {
  if (pid <= 0) return false;
  const stat = readText(`/proc/${pid}/stat`);
  if (!stat) return false;
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
  return state !== 'Z' && state !== 'X';
}

/** Is pid this task's shim (alive, and its command line names the state dir: no pid-reuse mix-up)? */
export function shimAlive(pid: number, shimDir: string): boolean {
  if (!processAlive(pid)) return false;
  const cmdline = (readText(`/proc/${pid}/cmdline`) ?? '').split('\0');
  return cmdline.includes(shimDir);
}

/** The cgroupsPath of a bundle's config.json ("" when unreadable). */
export function bundleCgroupsPath(bundle: string): string {
  try {
    const spec = JSON.parse(readFileSync(join(bundle, 'config.json'), 'utf8')) as { linux?: { cgroupsPath?: unknown } };
    return typeof spec.linux?.cgroupsPath === 'string' ? spec.linux.cgroupsPath : '';
  } catch {
    return '';
  }
}

/**
 * rmdir the container's cgroup in every hierarchy, then its parent (the
 * cgroup parent, /strata by default) when that is left empty, so the last
 * container out leaves no litter.  Fails quietly while tasks remain (then the
 * runtime still owns it) or while other containers share the parent.
 */
export function removeCgroup(cgroupsPath: string): void {
  if (!cgroupsPath || cgroupsPath === '/' || cgroupsPath.includes('..')) return;
  const parent = dirname(cgroupsPath);
  for (const m of cgroupMounts(readFileSync('/proc/self/mountinfo', 'utf8'))) {
    for (const dir of parent === '/' || parent === '.' ? [cgroupsPath] : [cgroupsPath, parent]) {
      try {
        rmdirSync(join(m.mountPoint, dir));
      } catch {
        /* absent, or busy */
      }
    }
  }
}

/** Unmount the rootfs, free the cgroup, remove the bundle dir. */
export async function freeTaskDir(taskDir: string): Promise<void> {
  const cgroupsPath = bundleCgroupsPath(taskDir);
  await unmountAll(taskDir); // everything under it: rm -rf must never cross into a mounted rootfs
  removeCgroup(cgroupsPath);
  rmSync(taskDir, { recursive: true, force: true });
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Wait up to `ms` for a process to be gone. */
export async function waitGone(pid: number, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  // Not our child (the shim detached), so no exit event: poll, first often
  // (it usually exits within a few ms of its shutdown reply), then every 20 ms.
  for (let step = 1; processAlive(pid); step = Math.min(step * 2, 20)) {
    if (Date.now() > end) return false;
    await sleep(step);
  }
  return true;
}
