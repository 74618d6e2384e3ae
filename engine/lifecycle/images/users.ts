// A Docker user spec ("name", "uid", "name:group", "uid:gid") resolved
// against an image's /etc/passwd and /etc/group, the way runc's
// libcontainer/user GetExecUser does it: numeric ids need no entry (a bare
// uid takes the gid of its passwd entry, or 0); a name must have one; with no
// group given, the user's supplementary groups are the /etc/group entries
// that list its name.  Files are read through readInRoot, so a symlink in the
// image never leads outside its rootfs.
import { lstatSync, readFileSync, readlinkSync } from 'node:fs';
import { join } from 'node:path';

import { invalidArgument } from './errors.ts';

export interface ResolvedIds {
  uid: number;
  gid: number;
  additional_gids: number[];
}

interface PasswdEntry {
  name: string;
  uid: number;
  gid: number;
}

interface GroupEntry {
  name: string;
  gid: number;
  members: string[];
}

const MAX_ID = 2 ** 32 - 2;
const MAX_FILE = 4 << 20;

function id(text: string): number | undefined {
  if (!/^\d{1,10}$/.test(text)) return undefined;
  const n = Number(text);
  return n <= MAX_ID ? n : undefined;
}

function lines(text: string | undefined): string[][] {
  if (!text) return [];
  return text.split('\n').filter((l) => l.trim() !== '' && !l.startsWith('#')).map((l) => l.split(':'));
}

export function parsePasswd(text: string | undefined): PasswdEntry[] {
  const out: PasswdEntry[] = [];
  for (const f of lines(text)) {
    const uid = id(f[2] ?? '');
    const gid = id(f[3] ?? '');
    if (f[0] && uid !== undefined && gid !== undefined) out.push({ name: f[0], uid, gid });
  }
  return out;
}

export function parseGroup(text: string | undefined): GroupEntry[] {
  const out: GroupEntry[] = [];
  for (const f of lines(text)) {
    const gid = id(f[2] ?? '');
    if (f[0] && gid !== undefined) out.push({ name: f[0], gid, members: (f[3] ?? '').split(',').map((m) => m.trim()).filter(Boolean) });
  }
  return out;
}

/** Only the numeric forms ("", "uid", "uid:gid") can be resolved without the image's files. */
export function numericUser(spec: string): ResolvedIds | undefined {
  if (spec === '') return { uid: 0, gid: 0, additional_gids: [] };
  const [u = '', g] = spec.split(':', 2);
  const uid = id(u);
  const gid = g === undefined ? undefined : id(g);
  if (uid !== undefined && g !== undefined && gid !== undefined) return { uid, gid, additional_gids: [] };
  return undefined;
}

export function resolveUser(spec: string, image: string, files: { passwd?: string; group?: string }): ResolvedIds {
  const direct = numericUser(spec);
  if (direct) return direct;
  const parts = spec.split(':');
  if (parts.length > 2 || parts[0] === '' || parts[1] === '') throw invalidArgument(`bad user "${spec}": want name|uid[:group|gid]`);
  const [u = '', g] = parts;
  const passwd = parsePasswd(files.passwd);
  const uidNum = id(u);
  const entry = uidNum !== undefined ? passwd.find((p) => p.uid === uidNum) : passwd.find((p) => p.name === u);
  if (!entry && uidNum === undefined) throw invalidArgument(`unable to find user ${u}: no matching entries in passwd file of image ${image}`);
  const uid = entry?.uid ?? (uidNum as number);
  let gid = entry?.gid ?? 0;
  const groups = parseGroup(files.group);
  let additional: number[] = [];
  if (g !== undefined) {
    const gidNum = id(g);
    const grp = gidNum !== undefined ? undefined : groups.find((x) => x.name === g);
    if (gidNum === undefined && !grp) throw invalidArgument(`unable to find group ${g}: no matching entries in group file of image ${image}`);
    gid = gidNum ?? (grp as GroupEntry).gid;
  } else if (entry) {
    additional = [...new Set(groups.filter((x) => x.members.includes(entry.name) && x.gid !== gid).map((x) => x.gid))];
  }
  return { uid, gid, additional_gids: additional };
}

/**
 * Resolve `path` inside `root` as the container would see it: `..` stops at
 * the root and absolute symlinks start over from it.  Returns the host path,
 * or undefined when a component is missing or the links loop.
 */
export function resolveInRoot(root: string, path: string): string | undefined {
  let rest = path.split('/').filter((p) => p !== '' && p !== '.');
  const done: string[] = [];
  let hops = 0;
  while (rest.length > 0) {
    const p = rest.shift() as string;
    if (p === '..') {
      done.pop();
      continue;
    }
    const full = join(root, ...done, p);
    let isLink: boolean;
    try {
      isLink = lstatSync(full).isSymbolicLink();
    } catch {
      return undefined;
    }
    if (!isLink) {
      done.push(p);
      continue;
    }
    if (++hops > 40) return undefined;
    const target = readlinkSync(full);
    if (target.startsWith('/')) done.length = 0;
    rest = [...target.split('/').filter((x) => x !== '' && x !== '.'), ...rest];
  }
  return join(root, ...done);
}

/** A regular file of the rootfs (at most 4 MiB), or undefined. */
export function readInRoot(root: string, path: string): string | undefined {
  const host = resolveInRoot(root, path);
  if (!host) return undefined;
  try {
    const st = lstatSync(host);
    if (!st.isFile() || st.size > MAX_FILE) return undefined;
    return readFileSync(host, 'utf8');
  } catch {
    return undefined;
  }
}
