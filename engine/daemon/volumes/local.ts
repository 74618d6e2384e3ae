// The local volume driver: a directory <root>/<name>/_data, or, with driver
// options, whatever mount(8) makes of type/device/o mounted on it (Docker's
// `--opt type=tmpfs --opt device=tmpfs --opt o=size=64m`, or
// `--opt type=none --opt o=bind --opt device=/srv/data`).  Mounted volumes
// are mounted while a container uses them and unmounted when the last one
// is removed.
import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';

import { invalidArgument } from '../../errors.ts';
import type { VolumeRecord } from './types.ts';

const run = promisify(execFile);
const OPTION_KEYS = ['type', 'device', 'o'];

/** 400 for options the local driver does not take (Docker's validateOpts). */
export function checkLocalOptions(opts: Record<string, string>): void {
  for (const k of Object.keys(opts)) if (!OPTION_KEYS.includes(k)) throw invalidArgument('stratad', `create volume: invalid option key: "${k}"`);
  if ((opts.type || opts.o) && !opts.device) throw invalidArgument('stratad', 'create volume: missing required option: "device"');
  if (opts.device && !opts.type && !opts.o) throw invalidArgument('stratad', 'create volume: missing required option: "type"');
  const bind = (opts.o ?? '').split(',').includes('bind');
  if (bind && !isAbsolute(opts.device ?? '')) throw invalidArgument('stratad', `create volume: bind device must be an absolute path: "${opts.device ?? ''}"`);
}

/** Mount points in our mount namespace, unescaped. */
function mounted(path: string): boolean {
  for (const line of readFileSync('/proc/self/mountinfo', 'utf8').split('\n')) {
    const f = line.split(' ')[4];
    if (f && f.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))) === path) return true;
  }
  return false;
}

async function cmd(file: string, args: string[]): Promise<void> {
  try {
    await run(file, args, { timeout: 30_000 });
  } catch (e) {
    const stderr = e && typeof e === 'object' && 'stderr' in e ? String(e.stderr).trim() : '';
    throw new Error(`${file} ${args.join(' ')}: ${stderr || (e instanceof Error ? e.message : String(e))}`);
  }
}

export class LocalDriver {
  constructor(readonly root: string) {}

  dir(name: string): string {
    return join(this.root, name);
  }

  mountpoint(name: string): string {
    return join(this.root, name, '_data');
  }

  /** Tolerates a directory left by a crash between mkdir and the metadata row (it is adopted). */
  create(name: string): void {
    mkdirSync(this.dir(name), { recursive: true, mode: 0o701 });
    mkdirSync(this.mountpoint(name), { recursive: true, mode: 0o755 });
  }

  needsMount(v: VolumeRecord): boolean {
    return Boolean(v.options.device);
  }

  isMounted(v: VolumeRecord): boolean {
    return this.needsMount(v) && mounted(this.mountpoint(v.name));
  }

  /** Mount a volume with options on its _data (no-op without options, or when mounted). */
  async mount(v: VolumeRecord): Promise<void> {
    if (!this.needsMount(v) || this.isMounted(v)) return;
    const o = v.options;
    const type = o.type && o.type !== 'none' ? o.type : 'none';
    try {
      if (type === 'none' && (o.o ?? '').split(',').includes('bind') && !existsSync(o.device ?? '')) throw new Error(`no such file or directory: ${o.device ?? ''}`);
      await cmd('mount', ['-t', type, ...(o.o ? ['-o', o.o] : []), o.device ?? '', this.mountpoint(v.name)]);
    } catch (e) {
      throw invalidArgument('stratad', `error while mounting volume '${this.mountpoint(v.name)}': ${e instanceof Error ? e.message : String(e)}`, e);
    }
  }

  async unmount(v: VolumeRecord): Promise<void> {
    if (!this.isMounted(v)) return;
    await cmd('umount', [this.mountpoint(v.name)]).catch(() => cmd('umount', ['-l', this.mountpoint(v.name)]));
  }

  async remove(v: VolumeRecord): Promise<void> {
    await this.unmount(v);
    // Never recurse into a bind device or a tmpfs that is still mounted.
    if (this.isMounted(v)) throw new Error(`volume ${v.name}: ${this.mountpoint(v.name)} is still mounted`);
    rmSync(this.dir(v.name), { recursive: true, force: true });
  }
}
