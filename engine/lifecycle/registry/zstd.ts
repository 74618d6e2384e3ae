// zstd layers: Node 20's zlib has no zstd, so the zstd binary (installed by
// .ci/setup) decompresses them.  The unpacker reads tar and gzip only, so a
// verified zstd blob is stored again uncompressed (its digest is the diffID).
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

import { failedPrecondition, invalidArgument } from '../../errors.ts';

export const ZSTD = process.env.STRATA_ZSTD || 'zstd';

/** Decompress src into dest; returns the sha256 digest and size of the output. */
export async function decompressZstd(src: string, dest: string): Promise<{ digest: string; size: number }> {
  const child = spawn(ZSTD, ['-d', '-c', '-q'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()).slice(-2000));
  const exited = new Promise<number>((resolve, reject) => {
    child.on('error', (e) => reject(failedPrecondition('lifecycled', `zstd layer: cannot run ${ZSTD} (${e.message}); install zstd`)));
    child.on('close', (code) => resolve(code ?? 1));
  });
  const hash = createHash('sha256');
  let size = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      hash.update(chunk);
      size += chunk.length;
      cb(null, chunk);
    },
  });
  const feed = pipeline(createReadStream(src), child.stdin).catch(() => undefined);
  const drain = pipeline(child.stdout, tap, createWriteStream(dest));
  const [code] = await Promise.all([exited, drain, feed]);
  if (code !== 0) throw invalidArgument('lifecycled', `zstd layer: ${ZSTD} -d failed (exit ${code}): ${stderr.trim()}`);
  return { digest: `sha256:${hash.digest('hex')}`, size };
}
