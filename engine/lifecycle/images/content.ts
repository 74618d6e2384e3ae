// The content store: blobs addressed by sha256 under <data-root>/content/
// (blobs/sha256/<hex>), in-progress writes under ingest/<sha256(ref)>/ with a
// resumable offset.  Commit verifies size and digest; the blob file is renamed
// into place first and its row committed after, so after kill -9 a blob is
// either complete with its row or removed by reconcile().
import { createHash, type Hash } from 'node:crypto';
import { createReadStream, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';

import { digestHex, isDigest } from './digest.ts';
import { alreadyExists, invalidArgument, notFound, unavailable } from './errors.ts';
import type { Lease } from './leases.ts';
import type { ContentInfo, ContentStore, ContentWriter, IngestStatus } from './types.ts';

type Emit = (topic: string, payload: object) => void;

interface IngestMeta {
  ref: string;
  expectedDigest: string;
  expectedSize: number; // -1: unknown
}

const PROCESS_START_MS = Date.now() - process.uptime() * 1000;

export class LocalContentStore implements ContentStore {
  readonly root: string;
  private readonly blobDir: string;
  private readonly ingestDir: string;
  /** refs with an open writer in this process: a second writer is refused, reconcile leaves them. */
  private readonly open = new Set<string>();

  constructor(dataRoot: string, private readonly db: Database, private readonly emit: Emit) {
    this.root = join(dataRoot, 'content');
    this.blobDir = join(this.root, 'blobs', 'sha256');
    this.ingestDir = join(this.root, 'ingest');
    mkdirSync(this.blobDir, { recursive: true });
    mkdirSync(this.ingestDir, { recursive: true });
    db.exec(`CREATE TABLE IF NOT EXISTS content_blobs (
      digest TEXT PRIMARY KEY,
      size INTEGER NOT NULL,
      created_at TEXT NOT NULL,
      managed INTEGER NOT NULL DEFAULT 0 -- 1: written for or used by an image; collected when no image needs it
    )`);
  }

  info(digest: string): ContentInfo | undefined {
    const row = this.db.prepare('SELECT digest, size, created_at FROM content_blobs WHERE digest = ?').get(digest) as
      | { digest: string; size: number; created_at: string }
      | undefined;
    return row && { digest: row.digest, size: row.size, createdAt: row.created_at };
  }

  list(): ContentInfo[] {
    const rows = this.db.prepare('SELECT digest, size, created_at FROM content_blobs ORDER BY digest').all() as {
      digest: string;
      size: number;
      created_at: string;
    }[];
    return rows.map((r) => ({ digest: r.digest, size: r.size, createdAt: r.created_at }));
  }

  blobPath(digest: string): string {
    return join(this.blobDir, digestHex(digest));
  }

  /** The file of a committed blob; NotFound when there is no row. */
  path(digest: string): string {
    if (!this.info(digest)) throw notFound(`content ${digest}: not found`);
    return this.blobPath(digest);
  }

  read(digest: string, limit = 16 << 20): Buffer {
    const info = this.info(digest);
    if (!info) throw notFound(`content ${digest}: not found`);
    if (info.size > limit) throw invalidArgument(`content ${digest}: ${info.size} bytes, more than the ${limit} this reader takes`);
    return readFileSync(this.blobPath(digest));
  }

  private refDir(ref: string): string {
    return join(this.ingestDir, createHash('sha256').update(ref).digest('hex'));
  }

  status(ref: string): IngestStatus | undefined {
    const dir = this.refDir(ref);
    const meta = readMeta(dir);
    if (!meta) return undefined;
    const data = join(dir, 'data');
    const st = existsSync(data) ? statSync(data) : undefined;
    return {
      ref: meta.ref,
      offset: st?.size ?? 0,
      expectedDigest: meta.expectedDigest,
      expectedSize: meta.expectedSize,
      updatedAt: new Date(st?.mtimeMs ?? Date.now()).toISOString(),
    };
  }

  listIngests(): IngestStatus[] {
    const out: IngestStatus[] = [];
    for (const name of readdirSync(this.ingestDir)) {
      const meta = readMeta(join(this.ingestDir, name));
      const st = meta && this.status(meta.ref);
      if (st) out.push(st);
    }
    return out;
  }

  /**
   * A writer for ref.  An ingest left by an earlier writer with the same ref
   * (a client that went away) is resumed: offset is where it stopped, and the
   * hash is rebuilt from the bytes already on disk.
   */
  async writer(ref: string, expectedDigest = '', expectedSize = -1): Promise<Writer> {
    if (typeof ref !== 'string' || ref.length === 0 || ref.length > 1024) throw invalidArgument('content write: ref must be 1 to 1024 characters');
    if (expectedDigest !== '' && !isDigest(expectedDigest)) throw invalidArgument(`content write ${ref}: invalid expected digest ${JSON.stringify(expectedDigest)}`);
    if (!Number.isSafeInteger(expectedSize) || expectedSize < -1) throw invalidArgument(`content write ${ref}: invalid expected size ${expectedSize}`);
    if (this.open.has(ref)) throw unavailable(`content write ${ref}: ref is locked by another writer`);
    if (expectedDigest !== '' && this.info(expectedDigest)) throw alreadyExists(`content ${expectedDigest}: already exists`);
    const dir = this.refDir(ref);
    const old = readMeta(dir);
    if (old && ((old.expectedDigest !== expectedDigest && expectedDigest !== '') || (old.expectedSize !== expectedSize && expectedSize !== -1))) {
      throw invalidArgument(`content write ${ref}: an ingest is in progress for ${old.expectedDigest || 'an unknown digest'} of ${old.expectedSize} bytes, not ${expectedDigest} of ${expectedSize}`);
    }
    const meta: IngestMeta = old ?? { ref, expectedDigest, expectedSize };
    if (!old) {
      mkdirSync(dir, { recursive: true });
      writeFileSync(join(dir, 'meta.tmp'), JSON.stringify(meta));
      renameSync(join(dir, 'meta.tmp'), join(dir, 'meta'));
    }
    const hash = createHash('sha256');
    let offset = 0;
    const data = join(dir, 'data');
    if (existsSync(data)) {
      for await (const chunk of createReadStream(data)) {
        hash.update(chunk as Buffer);
        offset += (chunk as Buffer).length;
      }
    }
    const fh = await open(data, 'a');
    this.open.add(ref);
    return new Writer(this, ref, dir, meta, fh, hash, offset);
  }

  async abort(ref: string): Promise<void> {
    if (this.open.has(ref)) throw unavailable(`content abort ${ref}: a writer is open`);
    const dir = this.refDir(ref);
    if (!existsSync(dir)) throw notFound(`content ingest ${ref}: not found`);
    rmSync(dir, { recursive: true, force: true });
  }

  /** Writer bookkeeping. */
  release(ref: string): void {
    this.open.delete(ref);
  }

  /**
   * Move a verified ingest file into place and commit its row, in one
   * synchronous step (nothing can interleave; a lease taken here is held before
   * any collection can run).  An existing blob is kept and the ingest dropped.
   */
  publish(dataFile: string, ingestDir: string, digest: string, size: number, lease?: Lease): { info: ContentInfo; created: boolean } {
    lease?.add(digest);
    const existing = this.info(digest);
    if (existing) {
      rmSync(ingestDir, { recursive: true, force: true });
      return { info: existing, created: false };
    }
    const target = this.blobPath(digest);
    renameSync(dataFile, target);
    const createdAt = new Date().toISOString();
    try {
      this.db.transaction(() => {
        this.db.prepare('INSERT INTO content_blobs (digest, size, created_at, managed) VALUES (?, ?, ?, ?)').run(digest, size, createdAt, lease ? 1 : 0);
      })();
    } catch (err) {
      rmSync(target, { force: true });
      throw err;
    }
    rmSync(ingestDir, { recursive: true, force: true });
    this.emit('/content/create', { digest, size });
    return { info: { digest, size, createdAt }, created: true };
  }

  /** Copy a file in (hashing it), commit under its digest; expected values are checked when given. */
  async ingestFile(src: string, lease?: Lease, expectedDigest = '', expectedSize = -1): Promise<ContentInfo> {
    if (expectedDigest) lease?.add(expectedDigest); // before the existence check: no collection may slip in between
    const w = await this.writer(`ingest-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}`, expectedDigest, expectedSize).catch((err: unknown) => {
      if (err instanceof Error && err.name === 'AlreadyExists' && expectedDigest) return undefined;
      throw err;
    });
    if (!w) {
      lease?.add(expectedDigest);
      const info = this.info(expectedDigest);
      if (info) return info;
      return this.ingestFile(src, lease, expectedDigest, expectedSize);
    }
    try {
      for await (const chunk of createReadStream(src)) await w.write(chunk as Buffer);
      return await w.commit(lease);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  async ingestBuffer(data: Buffer, lease?: Lease): Promise<ContentInfo> {
    const w = await this.writer(`buffer-${process.pid}-${Date.now()}-${Math.random().toString(16).slice(2)}`);
    try {
      await w.write(data);
      return await w.commit(lease);
    } catch (err) {
      await w.abort();
      throw err;
    }
  }

  /** Blobs an image references become collectable once no image does. */
  markManaged(digests: string[]): void {
    const up = this.db.prepare('UPDATE content_blobs SET managed = 1 WHERE digest = ?');
    for (const d of digests) up.run(d);
  }

  /**
   * Garbage collection: blobs written for images (managed) that no image
   * references and no operation in flight holds.  Blobs written through the
   * Content API and never used by an image are left to their writer.
   */
  collect(keep: (digest: string) => boolean): string[] {
    const rows = this.db.prepare('SELECT digest FROM content_blobs WHERE managed = 1').all() as { digest: string }[];
    const doomed = rows.map((r) => r.digest).filter((d) => !keep(d));
    this.remove(doomed);
    return doomed;
  }

  /** Delete blobs (rows first, committed, then files: a crash in between leaves files reconcile() removes). */
  remove(digests: string[]): void {
    if (digests.length === 0) return;
    const del = this.db.prepare('DELETE FROM content_blobs WHERE digest = ?');
    this.db.transaction(() => {
      for (const d of digests) del.run(d);
    })();
    for (const d of digests) {
      rmSync(this.blobPath(d), { force: true });
      this.emit('/content/delete', { digest: d });
    }
  }

  /**
   * After a crash: blob files with no row and rows with no file are removed;
   * ingests no writer of this process holds and not touched since the process
   * started are removed (those younger belong to a client that may resume).
   */
  reconcile(): { removedFiles: string[]; removedRows: string[] } {
    const removedFiles: string[] = [];
    const removedRows: string[] = [];
    const rows = new Set(this.list().map((r) => r.digest));
    for (const name of readdirSync(this.blobDir)) {
      const digest = `sha256:${name}`;
      if (!rows.has(digest)) {
        rmSync(join(this.blobDir, name), { recursive: true, force: true });
        removedFiles.push(join(this.blobDir, name));
      }
    }
    const del = this.db.prepare('DELETE FROM content_blobs WHERE digest = ?');
    this.db.transaction(() => {
      for (const digest of rows) {
        if (!existsSync(this.blobPath(digest))) {
          del.run(digest);
          removedRows.push(digest);
        }
      }
    })();
    for (const name of readdirSync(this.ingestDir)) {
      const dir = join(this.ingestDir, name);
      const meta = readMeta(dir);
      if (meta && this.open.has(meta.ref)) continue;
      if (newestMtime(dir) >= PROCESS_START_MS) continue;
      rmSync(dir, { recursive: true, force: true });
      removedFiles.push(dir);
    }
    return { removedFiles, removedRows };
  }
}

export class Writer implements ContentWriter {
  private done = false;
  constructor(
    private readonly store: LocalContentStore,
    readonly ref: string,
    private readonly dir: string,
    private readonly meta: IngestMeta,
    private readonly fh: FileHandle,
    private readonly hash: Hash,
    private off: number,
  ) {}

  get offset(): number {
    return this.off;
  }

  async write(chunk: Buffer): Promise<void> {
    if (this.done) throw invalidArgument(`content write ${this.ref}: writer is closed`);
    if (this.meta.expectedSize >= 0 && this.off + chunk.length > this.meta.expectedSize) {
      throw invalidArgument(`content write ${this.ref}: ${this.off + chunk.length} bytes is past the expected size ${this.meta.expectedSize}`);
    }
    await this.fh.write(chunk, 0, chunk.length, null);
    this.hash.update(chunk);
    this.off += chunk.length;
  }

  /** Verify and move into place; a mismatch removes the ingest (nothing is kept). */
  async commit(lease?: Lease, expectedDigest = '', expectedSize = -1): Promise<ContentInfo> {
    if (this.done) throw invalidArgument(`content write ${this.ref}: writer is closed`);
    await this.finish();
    const digest = `sha256:${this.hash.digest('hex')}`;
    const wantSize = expectedSize >= 0 ? expectedSize : this.meta.expectedSize;
    const wantDigest = expectedDigest || this.meta.expectedDigest;
    let problem = '';
    if (wantSize >= 0 && this.off !== wantSize) problem = `size ${this.off} does not match the expected ${wantSize}`;
    else if (wantDigest && digest !== wantDigest) problem = `digest ${digest} does not match the expected ${wantDigest}`;
    if (problem) {
      rmSync(this.dir, { recursive: true, force: true });
      throw invalidArgument(`content commit ${this.ref}: ${problem}; the data is discarded`);
    }
    return this.store.publish(join(this.dir, 'data'), this.dir, digest, this.off, lease).info;
  }

  /** Stop writing, keep the ingest so a later writer with the same ref resumes. */
  async close(): Promise<void> {
    if (!this.done) await this.finish();
  }

  async abort(): Promise<void> {
    if (!this.done) await this.finish();
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async finish(): Promise<void> {
    this.done = true;
    this.store.release(this.ref);
    await this.fh.close();
  }
}

function readMeta(dir: string): IngestMeta | undefined {
  try {
    const v = JSON.parse(readFileSync(join(dir, 'meta'), 'utf8')) as Partial<IngestMeta>;
    if (typeof v.ref !== 'string' || typeof v.expectedDigest !== 'string' || typeof v.expectedSize !== 'number') return undefined;
    return { ref: v.ref, expectedDigest: v.expectedDigest, expectedSize: v.expectedSize };
  } catch {
    return undefined;
  }
}

function newestMtime(dir: string): number {
  let t = 0;
  try {
    t = statSync(dir).mtimeMs;
    for (const n of readdirSync(dir)) t = Math.max(t, statSync(join(dir, n)).mtimeMs);
  } catch {
    /* vanished or not a dir: its own mtime is enough */
  }
  return t;
}
