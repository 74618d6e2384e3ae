// Request bodies (tar archives) spooled to a private temp file that
// lifecycled can open by path (it runs on the same host, as root).
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';

export async function withSpooled<T>(body: AsyncIterable<Buffer> | Readable, name: string, fn: (path: string, size: number) => Promise<T>): Promise<T> {
  const dir = mkdtempSync(join(tmpdir(), 'stratad-img-'));
  try {
    const path = join(dir, name);
    let size = 0;
    const src = body instanceof Readable ? body : Readable.from(body);
    src.on('data', (c: Buffer) => (size += c.length));
    await pipeline(src, createWriteStream(path, { mode: 0o600 }));
    return await fn(path, size);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
