// `docker cp`: paths inside a container's root resolved the way the
// container itself would see them, but refusing what would leave it.  Every
// component is looked up by hand: an absolute symlink target restarts at the
// container's root (not the host's), and a ".." (from the client's path or a
// symlink) that would climb above the root is refused with 400, as is a
// symlink loop.  A hostile container can still race us (swap a directory for
// a symlink between the check and the use); moby has the same window outside
// its chrooted copier, which we do not have yet.
import { createReadStream, createWriteStream, lchownSync, lstatSync, lutimesSync, mkdirSync, readdirSync, readlinkSync, rmSync, symlinkSync, linkSync, chmodSync, type Stats } from 'node:fs';
import { posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { extract as tarExtract, pack as tarPack, type Header } from 'tar-stream';

import { invalidArgument, notFound } from '../../errors.ts';

const MAX_LINKS = 40;

function escape(p: string): Error {
  return invalidArgument('stratad', `path ${JSON.stringify(p)} leaves the container's root filesystem (path traversal or a symlink pointing outside): refused`);
}

function lstatOrUndefined(p: string): Stats | undefined {
  try {
    return lstatSync(p);
  } catch {
    return undefined;
  }
}

/**
 * The container path `p` with every symlink resolved inside `root` (the last
 * component only when followLast).  Returns the clean container path ("/etc/hosts").
 */
export function resolveIn(root: string, p: string, followLast: boolean): string {
  if (p.includes('\0')) throw invalidArgument('stratad', 'path contains a NUL byte');
  let todo = p.split('/').filter((s) => s !== '' && s !== '.');
  const done: string[] = [];
  let links = 0;
  while (todo.length > 0) {
    const part = todo.shift() as string;
    if (part === '..') {
      if (done.length === 0) throw escape(p);
      done.pop();
      continue;
    }
    const host = posix.join(root, ...done, part);
    const st = lstatOrUndefined(host);
    if (st?.isSymbolicLink() && (todo.length > 0 || followLast)) {
      if (++links > MAX_LINKS) throw invalidArgument('stratad', `path ${JSON.stringify(p)}: too many levels of symbolic links`);
      const target = readlinkSync(host);
      if (target.startsWith('/')) done.length = 0;
      todo = [...target.split('/').filter((s) => s !== '' && s !== '.'), ...todo];
      continue;
    }
    done.push(part);
  }
  return `/${done.join('/')}`;
}

export function hostPath(root: string, containerPath: string): string {
  return posix.join(root, containerPath);
}

/** Go's os.FileMode bits (what X-Docker-Container-Path-Stat's mode is), from st_mode. */
export function goFileMode(st: Stats): number {
  let m = st.mode & 0o777;
  if (st.isDirectory()) m |= 2 ** 31;
  if (st.isSymbolicLink()) m |= 2 ** 27;
  if (st.isBlockDevice()) m |= 2 ** 26;
  if (st.isCharacterDevice()) m |= 2 ** 26 + 2 ** 21;
  if (st.isFIFO()) m |= 2 ** 25;
  if (st.isSocket()) m |= 2 ** 24;
  if (st.mode & 0o4000) m |= 2 ** 23;
  if (st.mode & 0o2000) m |= 2 ** 22;
  if (st.mode & 0o1000) m |= 2 ** 20;
  return m >>> 0;
}

export interface PathStat {
  name: string;
  size: number;
  mode: number;
  mtime: string;
  linkTarget: string;
}

export interface Located {
  /** The resolved container path. */
  path: string;
  host: string;
  st: Stats;
  stat: PathStat;
}

/** Resolve and stat `p` (the last component not followed); 404 when it does not exist. */
export function locate(root: string, p: string, containerName: string): Located {
  if (p === '') throw invalidArgument('stratad', 'path is required');
  const followLast = p.endsWith('/') || p.endsWith('/.');
  const path = resolveIn(root, p, followLast);
  const host = hostPath(root, path);
  const st = lstatOrUndefined(host);
  if (!st) throw notFound('stratad', `Could not find the file ${p} in container ${containerName}`);
  const linkTarget = st.isSymbolicLink() ? resolveIn(root, p, true) : '';
  const name = path === '/' ? '/' : posix.basename(path);
  return { path, host, st, stat: { name, size: st.size, mode: goFileMode(st), mtime: st.mtime.toISOString(), linkTarget } };
}

export function statHeader(s: PathStat): string {
  return Buffer.from(JSON.stringify(s)).toString('base64');
}

function typeOf(st: Stats): Header['type'] {
  if (st.isDirectory()) return 'directory';
  if (st.isSymbolicLink()) return 'symlink';
  if (st.isFIFO()) return 'fifo';
  if (st.isCharacterDevice()) return 'character-device';
  if (st.isBlockDevice()) return 'block-device';
  return 'file';
}

/** A tar of `loc` (a directory recursively), entries named from its base name; symlinks stay links. */
export function tarOf(loc: Located): Readable {
  const pack = tarPack();
  const base = loc.path === '/' ? '.' : posix.basename(loc.path);
  const add = async (host: string, name: string, st: Stats): Promise<void> => {
    const type = typeOf(st);
    const header: Header = { name, mode: st.mode & 0o7777, uid: st.uid, gid: st.gid, mtime: st.mtime, type, size: 0, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 };
    if (type === 'symlink') header.linkname = readlinkSync(host);
    if (type === 'file') {
      header.size = st.size;
      const entry = pack.entry(header);
      await pipeline(createReadStream(host), entry);
      return;
    }
    await new Promise<void>((resolve, reject) => pack.entry(header, (err) => (err ? reject(err) : resolve())));
    if (type === 'directory') {
      for (const child of readdirSync(host).sort()) {
        const ch = posix.join(host, child);
        const cst = lstatOrUndefined(ch);
        if (cst && !cst.isSocket()) await add(ch, `${name}/${child}`, cst);
      }
    }
  };
  add(loc.host, base, loc.st).then(
    () => pack.finalize(),
    (e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))),
  );
  return pack as unknown as Readable;
}

export interface ExtractOptions {
  noOverwriteDirNonDir: boolean;
  copyUIDGID: boolean;
}

/** Extract a tar into the directory `dest` (a resolved container path) under `root`. */
export async function extractInto(root: string, dest: string, body: AsyncIterable<Buffer>, o: ExtractOptions): Promise<void> {
  const ex = tarExtract();
  ex.on('entry', (h, stream, next) => {
    const fail = (e: unknown) => {
      stream.resume();
      ex.destroy(e instanceof Error ? e : new Error(String(e)));
    };
    try {
      const rel = h.name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '');
      if (rel === '' || rel === '.') {
        stream.on('end', next);
        stream.resume();
        return;
      }
      if (rel.split('/').includes('..')) throw escape(h.name);
      const target = posix.join(dest, rel);
      const parent = resolveIn(root, posix.dirname(target), true);
      const host = hostPath(root, posix.join(parent, posix.basename(target)));
      const existing = lstatOrUndefined(host);
      const isDir = h.type === 'directory';
      if (existing && o.noOverwriteDirNonDir && existing.isDirectory() !== isDir) {
        throw invalidArgument('stratad', `cannot overwrite ${existing.isDirectory() ? 'directory' : 'non-directory'} ${JSON.stringify(target)} with ${isDir ? 'directory' : 'non-directory'}`);
      }
      if (existing && !(isDir && existing.isDirectory())) rmSync(host, { recursive: true, force: true });
      const uid = o.copyUIDGID ? h.uid ?? 0 : 0;
      const gid = o.copyUIDGID ? h.gid ?? 0 : 0;
      const mode = (h.mode ?? 0o644) & 0o7777;
      const finish = () => {
        try {
          lchownSync(host, uid, gid);
          if (h.type !== 'symlink') chmodSync(host, mode);
          if (h.mtime) lutimesSync(host, h.mtime, h.mtime);
        } catch {
          /* ownership/times are best effort (e.g. a read-only bind) */
        }
        next();
      };
      switch (h.type) {
        case 'directory':
          mkdirSync(host, { recursive: true, mode });
          stream.on('end', finish);
          stream.resume();
          return;
        case 'symlink':
          symlinkSync(h.linkname ?? '', host);
          stream.on('end', finish);
          stream.resume();
          return;
        case 'link': {
          const linkRel = (h.linkname ?? '').replace(/^(\.?\/)+/, '');
          if (linkRel.split('/').includes('..')) throw escape(h.linkname ?? '');
          linkSync(hostPath(root, resolveIn(root, posix.join(dest, linkRel), false)), host);
          stream.on('end', finish);
          stream.resume();
          return;
        }
        case 'file':
        case 'contiguous-file':
        case undefined:
        case null:
          pipeline(stream, createWriteStream(host, { flags: 'wx', mode })).then(finish, fail);
          return;
        default:
          // Devices, fifos: skipped, as an unprivileged cp would.
          stream.on('end', next);
          stream.resume();
      }
    } catch (e) {
      fail(e);
    }
  });
  try {
    await pipeline(Readable.from(body), ex);
  } catch (e) {
    if (e instanceof Error && 'errorClass' in e) throw e;
    throw invalidArgument('stratad', `extract archive: ${e instanceof Error ? e.message : String(e)}`);
  }
}
