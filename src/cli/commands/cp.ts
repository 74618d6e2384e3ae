// strata cp CONTAINER:SRC DEST | SRC CONTAINER:DEST (either side may be "-"
// for a tar stream on stdin/stdout). Files travel as tar over the archive
// endpoint; the host side packs and unpacks with GNU tar, renaming the top
// entry when the destination names a new path (docker cp's rules:
// into an existing directory keeps the name, otherwise it becomes DEST).
import { spawn } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { Readable } from 'node:stream';

import { parseArgs, UsageError } from '../args.ts';
import type { Command, Ctx } from '../context.ts';
import { ExitError } from '../errors.ts';

/** "name:/path" -> container side; a path with a slash before the colon is local. */
export function splitCpArg(arg: string): { container?: string; path: string } {
  if (arg.startsWith('/') || arg.startsWith('.')) return { path: arg };
  const colon = arg.indexOf(':');
  if (colon <= 0) return { path: arg };
  return { container: arg.slice(0, colon), path: arg.slice(colon + 1) };
}

const GO_DIR = 2 ** 31;

// GNU tar --transform takes a sed expression. The separator is \x01, which
// no file name contains, so "|" and "," in names need no care; the regex
// and replacement specials are escaped.
const SEP = '\x01';
const sedPattern = (s: string) => s.replace(/[\\.*[\]^$]/g, (c) => `\\${c}`);
const sedReplacement = (s: string) => s.replace(/[\\&]/g, (c) => `\\${c}`);

function rename(from: string, to: string): string[] {
  // Only the top entry and what is under it: "name" exactly or "name/...".
  return from === to ? [] : ['--transform', `s${SEP}^${sedPattern(from)}\\($\\|/\\)${SEP}${sedReplacement(to)}\\1${SEP}`];
}

function runTar(args: string[], input?: Readable): { out: Readable; done: Promise<void> } {
  const p = spawn('tar', args, { stdio: [input ? 'pipe' : 'ignore', 'pipe', 'pipe'] });
  let err = '';
  (p.stderr as Readable).setEncoding('utf8').on('data', (d: string) => (err += d));
  if (input && p.stdin) input.pipe(p.stdin);
  const done = new Promise<void>((res, rej) => {
    p.once('error', rej);
    p.once('close', (code) => (code === 0 ? res() : rej(new ExitError(1, `Error: tar: ${err.trim() || `exit ${code}`}`))));
  });
  return { out: p.stdout as Readable, done };
}

async function fromContainer(ctx: Ctx, container: string, src: string, dest: string): Promise<void> {
  const { stream, stat } = await ctx.client().containers.getArchive(container, src);
  if (dest === '-') {
    for await (const c of stream) ctx.stdout.write(c as Buffer);
    return;
  }
  const srcBase = stat?.name ?? basename(src.replace(/\/+$/, '') || '/');
  const target = resolve(dest);
  const intoDir = existsSync(target) && statSync(target).isDirectory();
  if (!intoDir && !existsSync(dirname(target))) throw new ExitError(1, `Error: destination directory "${dirname(target)}" does not exist`);
  const dir = intoDir ? target : dirname(target);
  const args = ['-x', '-f', '-', '-C', dir, '--no-same-owner', ...(intoDir ? [] : rename(srcBase, basename(target)))];
  const tar = runTar(args, stream);
  tar.out.resume();
  await tar.done;
}

async function toContainer(ctx: Ctx, src: string, container: string, dest: string): Promise<void> {
  const c = ctx.client();
  if (src === '-') {
    await c.containers.putArchive(container, dest, ctx.stdin);
    return;
  }
  const source = resolve(src);
  if (!existsSync(source)) throw new ExitError(1, `Error: lstat ${source}: no such file or directory`);
  const destStat = await c.containers.statPath(container, dest);
  const destIsDir = destStat !== undefined && (destStat.mode & GO_DIR) !== 0;
  const trimmed = dest.replace(/\/+$/, '') || '/';
  if (!destStat && dest.endsWith('/')) throw new ExitError(1, `Error response from daemon: Could not find the file ${dest} in container ${container}`);
  const dir = destIsDir ? dest : dirname(trimmed);
  const name = destIsDir ? basename(source) : basename(trimmed);
  const tar = runTar(['-c', '-f', '-', '-C', dirname(source), ...rename(basename(source), name), basename(source)]);
  await Promise.all([c.containers.putArchive(container, dir, tar.out), tar.done]);
}

export const command: Command = {
  usage: 'usage: strata cp [OPTIONS] CONTAINER:SRC_PATH DEST_PATH|-\n       strata cp [OPTIONS] SRC_PATH|- CONTAINER:DEST_PATH',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'archive', short: 'a', kind: 'bool' },
      { name: 'follow-link', short: 'L', kind: 'bool' },
      { name: 'quiet', short: 'q', kind: 'bool' },
    ]);
    if (p.positionals.length !== 2) throw new UsageError('"cp" requires exactly 2 arguments');
    const src = splitCpArg(p.positionals[0] as string);
    const dst = splitCpArg(p.positionals[1] as string);
    if (src.container && dst.container) throw new UsageError('copying between containers is not supported');
    if (!src.container && !dst.container) throw new UsageError('must specify at least one container source');
    if (src.container) await fromContainer(ctx, src.container, src.path, dst.path);
    else await toContainer(ctx, src.path, dst.container as string, dst.path);
    return 0;
  },
};
