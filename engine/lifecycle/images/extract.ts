// Safe layer extraction: a layer tar (plain or gzip) streamed into a snapshot
// directory.  Every entry is checked before anything is written for it:
//   - no absolute path, no `..` component, names <= 4096 bytes, pax headers <= 1 MiB,
//     sizes that make sense;
//   - each parent component is lstat'ed inside the snapshot root: a symlink (or a
//     non-directory) on the way is refused, so nothing is ever written through a
//     link; a symlink entry itself may point anywhere (the runtime resolves it
//     inside the container's root);
//   - hardlinks only to files this layer created; device nodes refused (fifos ok);
//   - whiteouts: `.wh.<name>` and `.wh..wh..opq` become overlay whiteouts (a 0:0
//     char device, trusted.overlay.opaque=y) or, with the copy snapshotter,
//     deletions in the copied parent.
// The caller removes the snapshot dir when this rejects; the error names the
// layer, the entry and the reason.
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync, closeSync, constants, createReadStream, writeSync, fchmodSync, fchownSync, futimesSync, lchownSync, linkSync,
  lstatSync, lutimesSync, mkdirSync, openSync, readSync, readdirSync, rmSync, symlinkSync, utimesSync, type Stats,
} from 'node:fs';
import { join } from 'node:path';
import { Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract, type ExtractEvents, type Header as Headers } from 'tar-stream';

type EntryStream = ExtractEvents['entry'][1];

import { ImageError, errorMessage, invalidArgument, kernel } from './errors.ts';

const execFileP = promisify(execFile);

export const MAX_NAME_BYTES = 4096;
export const MAX_PAX_BYTES = 1 << 20;
/** Larger than any real layer file; a bigger size is a crafted header. */
export const MAX_ENTRY_BYTES = 64 * 2 ** 30;

export type ApplyMode = 'overlay' | 'copy';

export interface ApplyOptions {
  /** The layer blob (tar or tar+gzip). */
  source: string;
  /** The snapshot's fs dir: empty for overlay, a copy of the parent for copy. */
  dest: string;
  /** The layer's digest, for messages. */
  layer: string;
  mode: ApplyMode;
  /** When given, the uncompressed stream must hash to it. */
  expectedDiffID?: string;
}

export interface ApplyResult {
  diffID: string;
  /** Uncompressed bytes. */
  size: number;
}

export type Compression = 'none' | 'gzip';

/** Detect by magic; formats Node cannot read are refused by name. */
export function detectCompression(path: string, layer: string): Compression {
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(6);
  let n: number;
  try {
    n = readSync(fd, buf, 0, 6, 0);
  } finally {
    closeSync(fd);
  }
  const b = buf.subarray(0, n);
  if (b[0] === 0x1f && b[1] === 0x8b) return 'gzip';
  if (b[0] === 0x28 && b[1] === 0xb5 && b[2] === 0x2f && b[3] === 0xfd) {
    throw invalidArgument(`layer ${short(layer)}: zstd-compressed layers are not supported (Node 20 has no zstd); re-save the image with gzip or uncompressed layers`);
  }
  if (b[0] === 0xfd && b[1] === 0x37 && b[2] === 0x7a && b[3] === 0x58 && b[4] === 0x5a) throw invalidArgument(`layer ${short(layer)}: xz-compressed layers are not supported`);
  if (b[0] === 0x42 && b[1] === 0x5a && b[2] === 0x68) throw invalidArgument(`layer ${short(layer)}: bzip2-compressed layers are not supported`);
  return 'none';
}

export function short(digest: string): string {
  return digest.startsWith('sha256:') ? digest.slice(0, 7 + 12) : digest;
}

/** The digest of the uncompressed stream, without extracting (a gzip'd import's DiffID). */
export async function diffIDOf(path: string, layer: string): Promise<ApplyResult> {
  const hasher = new Hasher();
  const src = createReadStream(path);
  const sink = new Writable({ write: (_c, _e, cb) => cb() });
  if (detectCompression(path, layer) === 'gzip') await pipeline(src, createGunzip(), hasher, sink);
  else await pipeline(src, hasher, sink);
  return hasher.result();
}

class Hasher extends Transform {
  private readonly hash = createHash('sha256');
  private size = 0;
  override _transform(chunk: Buffer, _enc: BufferEncoding, cb: (err?: Error | null, data?: Buffer) => void): void {
    this.hash.update(chunk);
    this.size += chunk.length;
    cb(null, chunk);
  }
  result(): ApplyResult {
    return { diffID: `sha256:${this.hash.digest('hex')}`, size: this.size };
  }
}

export async function applyLayer(opts: ApplyOptions): Promise<ApplyResult> {
  const compression = detectCompression(opts.source, opts.layer);
  const applier = new Applier(opts);
  const hasher = new Hasher();
  const extract = tarExtract();
  extract.on('entry', (header, stream, next) => {
    applier.entry(header, stream).then(
      () => next(),
      (err: unknown) => {
        stream.on('error', () => {}); // the entry stream dies with the extract; the error is reported once, below
        stream.resume();
        // A refusal is already an EngineError; a failed system call gets the entry's name.
        extract.destroy(err instanceof ImageError ? err : kernel(`layer ${short(opts.layer)}: entry ${header.name.slice(0, 200)}: ${errorMessage(err)}`, err));
      },
    );
  });
  try {
    const src = createReadStream(opts.source);
    if (compression === 'gzip') await pipeline(src, createGunzip(), hasher, extract);
    else await pipeline(src, hasher, extract);
    await applier.finish();
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw invalidArgument(`layer ${short(opts.layer)}: ${compression === 'gzip' ? 'gzip/' : ''}tar: ${errorMessage(err)}`, err);
  }
  const result = hasher.result();
  if (opts.expectedDiffID && result.diffID !== opts.expectedDiffID) {
    throw invalidArgument(`layer ${short(opts.layer)}: uncompressed content hashes to ${result.diffID}, not the diff_id ${opts.expectedDiffID} the image config names`);
  }
  return result;
}

type Kind = 'dir' | 'file' | 'other';

class Applier {
  /** Paths (relative, '/'-joined) this layer created: hardlink targets and opaque-dir survivors. */
  private readonly created = new Map<string, Kind>();
  private readonly dirTimes: [string, Date][] = [];
  private readonly opaque: string[] = [];

  constructor(private readonly o: ApplyOptions) {}

  private refuse(name: string, reason: string): never {
    const shown = name.length > 200 ? `${name.slice(0, 60)}...(${Buffer.byteLength(name)} bytes)` : name;
    throw invalidArgument(`layer ${short(this.o.layer)}: entry ${shown}: ${reason}`);
  }

  /** Split a tar path into components, refusing absolute paths and `..`. */
  private components(name: string, what: string, entry: string): string[] {
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) this.refuse(entry, `${what} of ${Buffer.byteLength(name)} bytes is longer than ${MAX_NAME_BYTES}`);
    if (name.includes('\0')) this.refuse(entry, `${what} contains a NUL byte`);
    if (name.startsWith('/')) this.refuse(entry, `${what} is absolute`);
    const parts = name.split('/').filter((p) => p !== '' && p !== '.');
    if (parts.includes('..')) this.refuse(entry, `${what} escapes the layer root`);
    return parts;
  }

  /**
   * Walk parents inside the root, lstat-ing each: a symlink or non-directory on the way is
   * refused.  Missing ones are created (create) or end the walk (returns undefined).
   */
  private parentDir(parts: string[], entry: string, create: boolean): string | undefined {
    let cur = this.o.dest;
    for (let i = 0; i < parts.length - 1; i++) {
      const p = parts[i] as string;
      cur = join(cur, p);
      const st = lstatOrUndefined(cur);
      const rel = parts.slice(0, i + 1).join('/');
      if (!st) {
        if (!create) return undefined;
        mkdirSync(cur, { mode: 0o755 });
        this.created.set(rel, 'dir');
        continue;
      }
      if (st.isSymbolicLink()) this.refuse(entry, `path passes through the symlink ${rel}`);
      if (!st.isDirectory()) this.refuse(entry, `path passes through ${rel}, which is not a directory`);
    }
    return cur;
  }

  /** Remove what is at path unless both are directories (then the existing one is kept). */
  private clear(path: string, newIsDir: boolean): boolean {
    const st = lstatOrUndefined(path);
    if (!st) return false;
    if (st.isDirectory() && newIsDir) return true;
    rmSync(path, { recursive: true, force: true });
    return false;
  }

  async entry(h: Headers, stream: EntryStream): Promise<void> {
    const name = h.name;
    if (typeof h.pax === 'object' && h.pax !== null) {
      let bytes = 0;
      for (const [k, v] of Object.entries(h.pax)) bytes += Buffer.byteLength(k) + Buffer.byteLength(String(v)) + 8;
      if (bytes > MAX_PAX_BYTES) this.refuse(name, `pax header of ${bytes} bytes is larger than ${MAX_PAX_BYTES}`);
    }
    const size = h.size ?? 0;
    if (!Number.isSafeInteger(size) || size < 0 || size > MAX_ENTRY_BYTES) this.refuse(name, `size ${String(h.size)} is not a sane file size`);
    const parts = this.components(name, 'path', name);
    const type = h.type ?? 'file';
    if (type === 'character-device' || type === 'block-device') {
      this.refuse(name, `device node (${type === 'character-device' ? 'char' : 'block'} ${h.devmajor ?? 0}:${h.devminor ?? 0}) is not allowed in a layer`);
    }

    if (parts.length === 0) {
      // "./": the root of the layer itself.
      if (type !== 'directory') this.refuse(name, 'a non-directory entry for the layer root');
      this.owner(this.o.dest, h, name);
      chmodSync(this.o.dest, modeOf(h, 0o755));
      if (h.mtime) this.dirTimes.push([this.o.dest, h.mtime]);
      await drain(stream);
      return;
    }

    const base = parts[parts.length - 1] as string;
    const rel = parts.join('/');
    if (base.startsWith('.wh.')) {
      await drain(stream);
      return this.whiteout(parts, base, name);
    }

    const parent = this.parentDir(parts, name, true) as string;
    const path = join(parent, base);
    switch (type) {
      case 'directory': {
        if (!this.clear(path, true)) mkdirSync(path, { mode: 0o700 });
        this.owner(path, h, name);
        chmodSync(path, modeOf(h, 0o755));
        if (h.mtime) this.dirTimes.push([path, h.mtime]);
        this.created.set(rel, 'dir');
        await drain(stream);
        return;
      }
      case 'file':
      case 'contiguous-file': {
        this.clear(path, false);
        // O_EXCL|O_NOFOLLOW: never opens through a link, even one raced in.
        const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o600);
        try {
          for await (const chunk of stream) writeAll(fd, chunk as Buffer);
          try {
            fchownSync(fd, h.uid ?? 0, h.gid ?? 0);
          } catch (err) {
            throw kernel(`layer ${short(this.o.layer)}: entry ${name}: chown: ${errorMessage(err)}`, err);
          }
          fchmodSync(fd, modeOf(h, 0o644));
          if (h.mtime) futimesSync(fd, h.mtime, h.mtime);
        } finally {
          closeSync(fd);
        }
        this.created.set(rel, 'file');
        return;
      }
      case 'symlink': {
        const target = h.linkname ?? '';
        if (target === '') this.refuse(name, 'symlink with an empty target');
        if (Buffer.byteLength(target) > MAX_NAME_BYTES) this.refuse(name, `symlink target of ${Buffer.byteLength(target)} bytes is longer than ${MAX_NAME_BYTES}`);
        this.clear(path, false);
        symlinkSync(target, path);
        this.owner(path, h, name);
        if (h.mtime) lutimesSync(path, h.mtime, h.mtime);
        this.created.set(rel, 'other');
        await drain(stream);
        return;
      }
      case 'link': {
        const linkname = h.linkname ?? '';
        const tparts = this.components(linkname, `hardlink to ${linkname}: target`, name);
        const tkey = tparts.join('/');
        const kind = this.created.get(tkey);
        if (kind === undefined) this.refuse(name, `hardlink to ${linkname}: the target is not a file of this layer`);
        if (kind === 'dir') this.refuse(name, `hardlink to ${linkname}: the target is a directory`);
        const tparent = this.parentDir(tparts, name, false);
        if (tparent === undefined) this.refuse(name, `hardlink to ${linkname}: the target is gone`);
        const tpath = join(tparent, tparts[tparts.length - 1] as string);
        if (tpath === path) this.refuse(name, 'hardlink to itself');
        this.clear(path, false);
        linkSync(tpath, path);
        this.created.set(rel, 'file');
        await drain(stream);
        return;
      }
      case 'fifo': {
        this.clear(path, false);
        await run('mknod', [path, 'p'], `layer ${short(this.o.layer)}: entry ${name}: mkfifo`);
        this.owner(path, h, name);
        chmodSync(path, modeOf(h, 0o644));
        if (h.mtime) utimesSync(path, h.mtime, h.mtime);
        this.created.set(rel, 'other');
        await drain(stream);
        return;
      }
      default:
        this.refuse(name, `unsupported entry type ${String(type)}`);
    }
  }

  private async whiteout(parts: string[], base: string, entry: string): Promise<void> {
    if (base === '.wh..wh..opq') {
      const dirParts = parts.slice(0, -1);
      if (this.o.mode === 'overlay') {
        // The dir itself is created if this layer has not yet: overlay reads the xattr on the upper dir.
        const dir = this.parentDir([...dirParts, 'x'], entry, true) as string;
        if (dirParts.length > 0) this.created.set(dirParts.join('/'), 'dir');
        this.opaque.push(dir);
        return;
      }
      const dir = this.parentDir([...dirParts, 'x'], entry, false);
      if (dir === undefined) return;
      const prefix = dirParts.length > 0 ? `${dirParts.join('/')}/` : '';
      for (const child of readdirSync(dir)) {
        if (!this.created.has(prefix + child)) rmSync(join(dir, child), { recursive: true, force: true });
      }
      return;
    }
    const victim = base.slice('.wh.'.length);
    if (victim === '' || victim === '.' || victim === '..' || victim.startsWith('.wh.')) this.refuse(entry, 'malformed whiteout');
    const vparts = [...parts.slice(0, -1), victim];
    if (this.o.mode === 'overlay') {
      const parent = this.parentDir(vparts, entry, true) as string;
      const path = join(parent, victim);
      this.clear(path, false);
      // The one device node a layer may make: overlay's whiteout, char 0:0.
      await run('mknod', ['-m', '000', path, 'c', '0', '0'], `layer ${short(this.o.layer)}: entry ${entry}: whiteout`);
      this.created.set(vparts.join('/'), 'other');
      return;
    }
    const parent = this.parentDir(vparts, entry, false);
    if (parent === undefined) return;
    rmSync(join(parent, victim), { recursive: true, force: true });
  }

  private owner(path: string, h: Headers, entry: string): void {
    const uid = h.uid ?? 0;
    const gid = h.gid ?? 0;
    if (!Number.isSafeInteger(uid) || !Number.isSafeInteger(gid) || uid < 0 || gid < 0) this.refuse(entry, `bad owner ${uid}:${gid}`);
    try {
      lchownSync(path, uid, gid);
    } catch (err) {
      throw kernel(`layer ${short(this.o.layer)}: entry ${entry}: chown ${uid}:${gid}: ${errorMessage(err)}`, err);
    }
  }

  /** Directory times last, deepest first (creating children changed them); opaque xattrs. */
  async finish(): Promise<void> {
    for (const dir of this.opaque) {
      await run('setfattr', ['-n', 'trusted.overlay.opaque', '-v', 'y', dir], `layer ${short(this.o.layer)}: opaque dir ${dir}: set trusted.overlay.opaque`);
    }
    for (let i = this.dirTimes.length - 1; i >= 0; i--) {
      const [path, t] = this.dirTimes[i] as [string, Date];
      utimesSync(path, t, t);
    }
  }
}

/** Read an entry's data to its end (tar-stream moves on only once it is consumed). */
async function drain(stream: EntryStream): Promise<void> {
  for await (const _ of stream) {
    /* discard */
  }
}

function writeAll(fd: number, buf: Buffer): void {
  let off = 0;
  while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
}

function modeOf(h: Headers, dflt: number): number {
  return typeof h.mode === 'number' ? h.mode & 0o7777 : dflt;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function run(cmd: string, args: string[], what: string): Promise<void> {
  try {
    await execFileP(cmd, args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw kernel(`${what}: ${cmd} not found${cmd === 'setfattr' ? " (install Debian's attr package)" : ''}`, err);
    }
    throw kernel(`${what}: ${cmd}: ${(e.stderr ?? '').trim() || errorMessage(err)}`, err);
  }
}
