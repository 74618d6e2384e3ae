// sha256 digests: validation, hashing files and streams, and the image-spec ChainID.
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

import { invalidArgument } from './errors.ts';

const DIGEST = /^sha256:([0-9a-f]{64})$/;

export function isDigest(s: unknown): s is string {
  return typeof s === 'string' && DIGEST.test(s);
}

/** The hex part of a "sha256:<hex>" digest; anything else is refused (no other algorithm). */
export function digestHex(digest: string): string {
  const m = DIGEST.exec(digest);
  if (!m || m[1] === undefined) throw invalidArgument(`invalid digest ${JSON.stringify(digest)}: want sha256:<64 hex digits>`);
  return m[1];
}

export function sha256Of(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

export async function sha256File(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    const buf = chunk as Buffer;
    hash.update(buf);
    size += buf.length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

/** ChainID(L0) = DiffID(L0); ChainID(L0..n) = sha256(ChainID(L0..n-1) + " " + DiffID(Ln)). */
export function chainIDs(diffIDs: string[]): string[] {
  const out: string[] = [];
  for (const d of diffIDs) {
    const prev = out[out.length - 1];
    out.push(prev === undefined ? d : sha256Of(`${prev} ${d}`));
  }
  return out;
}
