// Mounting a snapshot's MountSpecs at <bundle>/rootfs (the shim's runtime
// create needs a populated rootfs) and unmounting it on delete or recovery.
// mount(8)/umount(8) rather than a native addon: a few ms per task.
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';

import { internal } from '../../errors.ts';
import type { MountSpec } from '../images/types.ts';

const run = promisify(execFile);

async function cmd(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { timeout: 30_000 });
  } catch (e) {
    const stderr = e && typeof e === 'object' && 'stderr' in e ? String(e.stderr).trim() : '';
    throw internal('kernel', `${file} ${args.join(' ')}: ${stderr || (e instanceof Error ? e.message : String(e))}`, e);
  }
}

export async function mountAll(mounts: MountSpec[], target: string): Promise<void> {
  for (const m of mounts) {
    if (m.type === 'bind') {
      const rbind = m.options.includes('rbind');
      await cmd('mount', [rbind ? '--rbind' : '--bind', m.source, target]);
      if (m.options.includes('ro')) await cmd('mount', ['-o', 'remount,bind,ro', target]);
    } else {
      const opts = m.options.filter((o) => o !== '');
      await cmd('mount', ['-t', m.type, ...(opts.length ? ['-o', opts.join(',')] : []), m.source, target]);
    }
  }
}

/** Mount points (unescaped) in our mount namespace, from /proc/self/mountinfo. */
export function mountPoints(): string[] {
  const out: string[] = [];
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ');
    if (f[4]) out.push(f[4].replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))));
  }
  return out;
}

export function isMounted(target: string): boolean {
  return mountPoints().includes(target);
}

/** Unmount everything at and under target (stacked mounts too); lazily as a last resort. */
export async function unmountAll(target: string): Promise<void> {
  for (let i = 0; i < 8; i++) {
    const under = mountPoints().filter((p) => p === target || p.startsWith(`${target}/`));
    if (under.length === 0) return;
    under.sort((a, b) => b.length - a.length);
    for (const p of under) {
      try {
        await cmd('umount', [p]);
      } catch {
        if (i >= 3) await cmd('umount', ['-l', p]).catch(() => undefined);
      }
    }
  }
  if (isMounted(target)) throw internal('kernel', `umount ${target}: still mounted`);
}
