// Test images without a network: a busybox root filesystem made from the
// host's static busybox (Debian's busybox-static), as a directory, an OCI
// bundle and a tarball.  Every suite builds its containers from these.
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readlinkSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { defaultSpec, type OciSpec, type SpecOptions } from './spec.ts';

const BUSYBOX_CANDIDATES = ['/bin/busybox', '/usr/bin/busybox'];

/** The host's busybox, refusing a dynamically linked one (it would not run in the rootfs). */
export function hostBusybox(): string {
  for (const path of BUSYBOX_CANDIDATES) {
    if (!existsSync(path)) continue;
    const kind = execFileSync('file', ['-L', path], { encoding: 'utf8' });
    if (/statically linked|static-pie/.test(kind)) return path;
  }
  throw new Error('test image: no static busybox found (install Debian\'s busybox-static)');
}

function appletNames(busybox: string): string[] {
  const out = execFileSync(busybox, ['--list'], { encoding: 'utf8' });
  return out.split('\n').map((s) => s.trim()).filter((s) => s.length > 0 && !s.includes('/'));
}

/** Write a busybox root filesystem into dir (created if missing). */
export function makeBusyboxRootfs(dir: string): string {
  const busybox = hostBusybox();
  for (const sub of ['bin', 'sbin', 'usr/bin', 'usr/sbin', 'etc', 'proc', 'sys', 'dev', 'tmp', 'root', 'var/www', 'home']) {
    mkdirSync(join(dir, sub), { recursive: true });
  }
  chmodSync(dir, 0o755); // mkdtemp makes 0700: non-root users in the container could not reach /
  chmodSync(join(dir, 'tmp'), 0o1777);
  copyFileSync(busybox, join(dir, 'bin/busybox'));
  chmodSync(join(dir, 'bin/busybox'), 0o755);
  for (const name of appletNames(busybox)) {
    const link = join(dir, 'bin', name);
    if (name !== 'busybox' && !existsSync(link)) symlinkSync('busybox', link);
  }
  writeFileSync(join(dir, 'etc/passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n');
  writeFileSync(join(dir, 'etc/group'), 'root:x:0:\ntty:x:5:\nnogroup:x:65534:\n');
  writeFileSync(join(dir, 'etc/hostname'), 'busybox\n');
  writeFileSync(join(dir, 'etc/hosts'), '127.0.0.1\tlocalhost\n');
  writeFileSync(join(dir, 'etc/resolv.conf'), '');
  return dir;
}

let template: string | undefined;
/**
 * A rootfs built once and kept under test/.cache (ignored by git), keyed by
 * the host busybox, copied for each container.  Built in a temp dir and
 * renamed into place, so concurrent workers never see half of one.
 */
function rootfsTemplate(): string {
  if (template && existsSync(join(template, 'bin/busybox'))) return template;
  const busybox = statSync(hostBusybox());
  const cache = join(import.meta.dirname, '..', '.cache');
  const dir = join(cache, `busybox-rootfs-${busybox.size}-${Math.floor(busybox.mtimeMs)}`);
  if (!existsSync(join(dir, 'bin/busybox'))) {
    mkdirSync(cache, { recursive: true });
    const building = makeBusyboxRootfs(mkdtempSync(join(cache, 'building-')));
    try {
      renameSync(building, dir);
    } catch {
      rmSync(building, { recursive: true, force: true }); // another worker won the race
    }
  }
  template = dir;
  return template;
}

export interface Bundle {
  dir: string;
  rootfs: string;
  spec: OciSpec;
  /** Rewrite config.json after changing spec. */
  save(): void;
  remove(): void;
}

/** An OCI bundle: dir/rootfs (a fresh busybox copy) and dir/config.json. */
export function makeBusyboxBundle(dir: string, options: SpecOptions = {}): Bundle {
  mkdirSync(dir, { recursive: true });
  const rootfs = join(dir, 'rootfs');
  execFileSync('cp', ['-a', rootfsTemplate(), rootfs]);
  const spec = defaultSpec(options);
  const bundle: Bundle = {
    dir,
    rootfs,
    spec,
    save: () => writeFileSync(join(dir, 'config.json'), JSON.stringify(bundle.spec, null, 2)),
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
  bundle.save();
  return bundle;
}

/** A tarball of the busybox rootfs (paths relative, as `docker import` takes). */
export function makeBusyboxTarball(file: string): string {
  execFileSync('tar', ['-C', rootfsTemplate(), '-cf', file, '.']);
  return file;
}

/** Where a symlink in the template points (for tests of the image itself). */
export function templateLink(path: string): string {
  return readlinkSync(join(rootfsTemplate(), path));
}
