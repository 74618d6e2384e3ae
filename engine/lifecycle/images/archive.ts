// Reading an image archive (docker save, OCI image layout): every regular file
// is copied into a staging dir under an index number (never under its own
// name, so hostile names cannot place files) and hashed on the way, so every
// blob digest is known before anything reaches the content store.
import { createHash, type Hash } from 'node:crypto';
import { closeSync, createReadStream, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { createGunzip } from 'node:zlib';
import { extract as tarExtract } from 'tar-stream';

import { ImageError, errorMessage, invalidArgument } from './errors.ts';
import { detectCompression } from './extract.ts';

export interface StagedEntry {
  name: string;
  path: string;
  digest: string;
  size: number;
}

const MAX_ENTRIES = 100_000;
const MAX_JSON = 16 << 20;

export async function stageArchive(tarPath: string, dir: string): Promise<Map<string, StagedEntry>> {
  const entries = new Map<string, StagedEntry>();
  let n = 0;
  const extract = tarExtract();
  extract.on('entry', (h, stream, next) => {
    const name = h.name.replace(/^(\.?\/)+/, '').replace(/\/+$/, '');
    if ((h.type ?? 'file') !== 'file' || name === '') {
      stream.on('end', () => next());
      stream.resume();
      return;
    }
    if (++n > MAX_ENTRIES) {
      stream.on('error', () => {});
      stream.resume();
      extract.destroy(invalidArgument(`archive has more than ${MAX_ENTRIES} files`));
      return;
    }
    const path = join(dir, String(n));
    const hash = createHash('sha256');
    copyTo(stream, path, hash).then(
      (size) => {
        entries.set(name, { name, path, digest: `sha256:${hash.digest('hex')}`, size });
        next();
      },
      (err: unknown) => {
        stream.on('error', () => {});
        extract.destroy(err instanceof Error ? err : new Error(String(err)));
      },
    );
  });
  try {
    const src = createReadStream(tarPath);
    if (detectCompression(tarPath, tarPath) === 'gzip') await pipeline(src, createGunzip(), extract);
    else await pipeline(src, extract);
  } catch (err) {
    if (err instanceof ImageError) throw err;
    throw invalidArgument(`load ${tarPath}: not a readable tar archive: ${errorMessage(err)}`, err);
  }
  return entries;
}

async function copyTo(stream: AsyncIterable<unknown>, path: string, hash: Hash): Promise<number> {
  const fd = openSync(path, 'wx', 0o600);
  let size = 0;
  try {
    for await (const c of stream) {
      const chunk = c as Buffer;
      hash.update(chunk);
      size += chunk.length;
      let off = 0;
      while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off);
    }
  } finally {
    closeSync(fd);
  }
  return size;
}

export function readJSON(e: StagedEntry, what: string): unknown {
  if (statSync(e.path).size > MAX_JSON) throw invalidArgument(`${what} ${e.name}: larger than ${MAX_JSON} bytes`);
  try {
    return JSON.parse(readFileSync(e.path, 'utf8')) as unknown;
  } catch (err) {
    throw invalidArgument(`${what} ${e.name}: not valid JSON: ${errorMessage(err)}`, err);
  }
}

/** Bytes of a staged file (small JSON blobs). */
export function readBytes(e: StagedEntry): Buffer {
  return readFileSync(e.path);
}

export function streamOf(e: StagedEntry): Readable {
  return createReadStream(e.path);
}
