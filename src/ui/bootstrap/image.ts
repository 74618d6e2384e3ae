// A runnable image on a fresh machine with no network: when the engine has
// no image at all, a busybox root filesystem is made from the host's static
// busybox (Debian's busybox-static) and imported as busybox:latest.
import { execFileSync, spawn } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import type { Client } from '../../client/client.ts';

const CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

/** The host's busybox if it is statically linked (a dynamic one would not run in the image). */
export function staticBusybox(): string | undefined {
  for (const p of CANDIDATES) {
    if (!existsSync(p)) continue;
    try {
      // A static binary has no program interpreter: ldd says so.
      execFileSync('ldd', [p], { stdio: 'pipe' });
    } catch {
      return p;
    }
  }
  return undefined;
}

export function makeRootfs(dir: string, busybox: string): void {
  for (const sub of ['bin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'home']) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(dir, 0o755);
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(busybox, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  const applets = execFileSync(busybox, ['--list'], { encoding: 'utf8' }).split('\n').map((s) => s.trim()).filter((s) => s && !s.includes('/') && s !== 'busybox');
  for (const a of applets) if (!existsSync(join(dir, 'bin', a))) symlinkSync('busybox', join(dir, 'bin', a));
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'etc/hostname'), 'busybox\n');
}

/** Import busybox:latest when the engine has no image; returns what it did, or undefined. */
export async function ensureImage(client: Client): Promise<string | undefined> {
  if ((await client.images.list()).length > 0) return undefined;
  const busybox = staticBusybox();
  if (!busybox) return 'no image, and no static busybox on this host to make one (apt-get install busybox-static)';
  const dir = mkdtempSync(join(tmpdir(), 'strata-ui-busybox-'));
  try {
    makeRootfs(join(dir, 'rootfs'), busybox);
    const tar = spawn('tar', ['-C', join(dir, 'rootfs'), '-cf', '-', '.'], { stdio: ['ignore', 'pipe', 'inherit'] });
    for await (const _ of client.images.import(tar.stdout, { repo: 'busybox', tag: 'latest', message: `made by strata ui from ${busybox}` })) {
      // progress lines: nothing to show
    }
    return `imported busybox:latest from the host's ${busybox}`;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
