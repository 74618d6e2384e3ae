// Docker's copy-up: a volume that is empty when a container first mounts it
// gets the image's files at the mount path (owner, mode and all), unless the
// mount said nocopy.  The path is resolved inside the container's root the
// way the container would see it: symlinks are followed within that root,
// never out of it.
import { execFile } from 'node:child_process';
import { lstatSync, readdirSync, readlinkSync } from 'node:fs';
import { join, posix } from 'node:path';
import { promisify } from 'node:util';

import type { MountPoint } from './types.ts';

const run = promisify(execFile);

/** `path` inside `root` with symlinks resolved within root; undefined when missing or looping. */
export function scopedPath(root: string, path: string): string | undefined {
  let rest = path.split('/').filter(Boolean);
  let cur = '/';
  for (let hops = 0; rest.length > 0; ) {
    const name = rest.shift() as string;
    if (name === '.') continue;
    if (name === '..') {
      cur = posix.dirname(cur);
      continue;
    }
    const next = posix.join(cur, name);
    let st;
    try {
      st = lstatSync(join(root, next));
    } catch {
      return undefined;
    }
    if (st.isSymbolicLink()) {
      if (++hops > 40) return undefined;
      const target = readlinkSync(join(root, next));
      if (target.startsWith('/')) cur = '/';
      rest = [...target.split('/').filter(Boolean), ...rest];
      continue;
    }
    cur = next;
  }
  return join(root, cur);
}

function isEmptyDir(dir: string): boolean {
  try {
    return readdirSync(dir).length === 0;
  } catch {
    return false;
  }
}

/** The volume points of a new container that want the image's files. */
export function wantsCopy(points: MountPoint[]): MountPoint[] {
  return points.filter((p) => p.Type === 'volume' && p.copy === true && isEmptyDir(p.Source));
}

/** Copy the image's directory at each point's destination into its (empty) volume. */
export async function copyUp(points: MountPoint[], root: string): Promise<void> {
  for (const p of points) {
    const src = scopedPath(root, p.Destination);
    if (!src || !isEmptyDir(p.Source)) continue;
    try {
      if (!lstatSync(src).isDirectory()) continue;
    } catch {
      continue;
    }
    try {
      await run('cp', ['-a', `${src}/.`, `${p.Source}/`], { timeout: 120_000 });
    } catch (e) {
      const stderr = e && typeof e === 'object' && 'stderr' in e ? String(e.stderr).trim() : '';
      throw new Error(`copy the image's ${p.Destination} into volume ${p.Name ?? ''}: ${stderr || (e instanceof Error ? e.message : String(e))}`);
    }
  }
}
