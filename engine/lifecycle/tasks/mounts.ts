// Mounting a snapshot's MountSpecs at <bundle>/rootfs (the shim's runtime
// create needs a populated rootfs) and unmounting it on delete or recovery:
// through the long-lived strata-mount helper (native/tools; a line on a pipe
// instead of a mount(8) spawn, several ms each on the run path), or
// mount(8)/umount(8) where it is not built.
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';

import { internal } from '../../errors.ts';
import { REPO_ROOT } from '../../install-paths.ts';
import { LineAgent } from '../../line-agent.ts';
import type { MountSpec } from '../images/types.ts';

const MOUNT_HELPER = join(REPO_ROOT, 'native', 'build', 'tools', 'strata-mount');
let helper: LineAgent | null | undefined;
function mountHelper(): LineAgent | null {
  if (helper === undefined) helper = existsSync(MOUNT_HELPER) ? new LineAgent(MOUNT_HELPER, 'strata-mount') : null;
  return helper;
}

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
  const h = mountHelper();
  for (const m of mounts) {
    const opts = m.options.filter((o) => o !== '');
    if (h) {
      await h.request(['mount', m.type === 'bind' ? 'bind' : m.type, m.source, target, (m.type === 'bind' && !opts.includes('rbind') && !opts.includes('bind') ? ['bind', ...opts] : opts).join(',')]);
    } else if (m.type === 'bind') {
      const rbind = m.options.includes('rbind');
      await cmd('mount', [rbind ? '--rbind' : '--bind', m.source, target]);
      if (m.options.includes('ro')) await cmd('mount', ['-o', 'remount,bind,ro', target]);
    } else {
      await cmd('mount', ['-t', m.type, ...(opts.length ? ['-o', opts.join(',')] : []), m.source, target]);
    }
  }
}

async function umount(target: string, lazy: boolean): Promise<void> {
  const h = mountHelper();
  if (h) await h.request(lazy ? ['umount', target, 'detach'] : ['umount', target]);
  else await cmd('umount', lazy ? ['-l', target] : [target]);
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
        await umount(p, false);
      } catch {
        if (i >= 3) await umount(p, true).catch(() => undefined);
      }
    }
  }
  if (isMounted(target)) throw internal('kernel', `umount ${target}: still mounted`);
}
