// Snapshots under <data-root>/snapshots/<snapshotter>/<id>/{fs,work}: committed
// layer snapshots keyed by ChainID (each layer unpacked once, shared between
// images) and active ones for containers.  overlay (the default when the
// kernel's overlay mounts) keeps each layer's diff and returns an overlay mount;
// copy (STRATA_SNAPSHOTTER=copy, or no overlay) keeps full copies and returns a
// bind mount.  Directories are made first under a fresh id, the row committed
// after: a directory with no row is a leftover reconcile() removes.
import { execFile, execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { Database } from 'better-sqlite3';

import { alreadyExists, errorMessage, failedPrecondition, invalidArgument, kernel, notFound } from './errors.ts';
import { applyLayer } from './extract.ts';
import type { Lease } from './leases.ts';
import type { MountSpec, SnapshotInfo } from './types.ts';

const execFileP = promisify(execFile);

export type SnapshotterKind = 'overlay' | 'copy';
type Emit = (topic: string, payload: object) => void;

interface Row {
  snapshotter: SnapshotterKind;
  key: string;
  dir: string;
  parent: string;
  kind: 'active' | 'committed';
  image: string;
  created_at: string;
}

export interface LayerSource {
  blob: string; // file path
  digest: string;
  diffID: string;
}

/** Mount an overlay in a temp dir and unmount it: does this kernel (and this fs) do overlay? */
export function probeOverlay(dir: string): boolean {
  mkdirSync(dir, { recursive: true });
  const sub = (n: string): string => {
    const p = join(dir, n);
    mkdirSync(p);
    return p;
  };
  try {
    const [l, u, w, m] = [sub('l'), sub('u'), sub('w'), sub('m')];
    execFileSync('mount', ['-t', 'overlay', 'overlay', '-o', `lowerdir=${l},upperdir=${u},workdir=${w}`, m], { stdio: 'ignore' });
    execFileSync('umount', [m], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export class Snapshotter {
  readonly root: string;
  private readonly inflight = new Set<string>(); // dir ids being built
  private readonly unpacking = new Map<string, Promise<void>>();
  private readonly indexOff = existsSync('/sys/module/overlay/parameters/index');

  private constructor(
    readonly kind: SnapshotterKind,
    dataRoot: string,
    private readonly db: Database,
    private readonly emit: Emit,
  ) {
    this.root = join(dataRoot, 'snapshots');
    for (const k of ['overlay', 'copy']) mkdirSync(join(this.root, k), { recursive: true });
  }

  /** Chooses overlay when a probe mount works (once, at open), copy otherwise or when STRATA_SNAPSHOTTER=copy. */
  static open(dataRoot: string, db: Database, emit: Emit): Snapshotter {
    db.exec(`CREATE TABLE IF NOT EXISTS snap_snapshots (
      snapshotter TEXT NOT NULL,
      key TEXT NOT NULL,
      dir TEXT NOT NULL,
      parent TEXT NOT NULL,
      kind TEXT NOT NULL,
      image TEXT NOT NULL DEFAULT '',
      created_at TEXT NOT NULL,
      PRIMARY KEY (snapshotter, key)
    )`);
    const forced = process.env.STRATA_SNAPSHOTTER;
    let kind: SnapshotterKind;
    if (forced === 'copy' || forced === 'overlay') kind = forced;
    else if (forced) throw invalidArgument(`STRATA_SNAPSHOTTER=${forced}: want overlay or copy`);
    else kind = (probeOverlay(join(dataRoot, 'snapshots', `probe-${process.pid}-${randomBytes(4).toString('hex')}`))) ? 'overlay' : 'copy';
    return new Snapshotter(kind, dataRoot, db, emit);
  }

  private row(key: string, snapshotter: SnapshotterKind = this.kind): Row | undefined {
    return this.db.prepare('SELECT * FROM snap_snapshots WHERE snapshotter = ? AND key = ?').get(snapshotter, key) as Row | undefined;
  }

  private rows(): Row[] {
    return this.db.prepare('SELECT * FROM snap_snapshots ORDER BY created_at, key').all() as Row[];
  }

  private dirOf(r: Pick<Row, 'snapshotter' | 'dir'>): string {
    return join(this.root, r.snapshotter, r.dir);
  }

  has(key: string): boolean {
    return this.row(key) !== undefined;
  }

  list(): SnapshotInfo[] {
    return this.rows()
      .filter((r) => r.snapshotter === this.kind || r.kind === 'active')
      .map((r) => ({ key: r.key, parent: r.parent, kind: r.kind, createdAt: r.created_at }));
  }

  /** Active snapshots: key, the committed snapshot under them, the image they were made from. */
  active(): { key: string; snapshotter: SnapshotterKind; parent: string; image: string }[] {
    return this.rows().filter((r) => r.kind === 'active').map((r) => ({ key: r.key, snapshotter: r.snapshotter, parent: r.parent, image: r.image }));
  }

  /** Committed chain of keys from key down to the base layer. */
  chainOf(key: string, snapshotter: SnapshotterKind): string[] {
    const out: string[] = [];
    let cur = this.row(key, snapshotter);
    while (cur) {
      out.push(cur.key);
      if (cur.parent === '') break;
      cur = this.row(cur.parent, snapshotter);
      if (out.length > 1000) break;
    }
    return out;
  }

  private newDir(): { id: string; path: string } {
    const id = randomBytes(8).toString('hex');
    this.inflight.add(id);
    return { id, path: join(this.root, this.kind, id) };
  }

  /**
   * Unpack a layer on top of parent as the committed snapshot chainID, once:
   * an existing one is reused, concurrent callers wait for the same unpack.
   */
  async commitLayer(chainID: string, parent: string, layer: LayerSource, lease: Lease): Promise<void> {
    lease.add(`snapshot:${chainID}`);
    if (this.row(chainID)) return;
    const running = this.unpacking.get(chainID);
    if (running) return running;
    const p = this.unpack(chainID, parent, layer).finally(() => this.unpacking.delete(chainID));
    this.unpacking.set(chainID, p);
    return p;
  }

  private async unpack(chainID: string, parent: string, layer: LayerSource): Promise<void> {
    const parentRow = parent === '' ? undefined : this.row(parent);
    if (parent !== '' && !parentRow) throw failedPrecondition(`snapshot ${chainID}: parent ${parent} is not committed`);
    const { id, path } = this.newDir();
    const fs = join(path, 'fs');
    try {
      mkdirSync(path);
      if (this.kind === 'copy' && parentRow) await copyTree(join(this.dirOf(parentRow), 'fs'), fs);
      else mkdirSync(fs, { mode: 0o755 });
      await applyLayer({ source: layer.blob, dest: fs, layer: layer.digest, mode: this.kind, expectedDiffID: layer.diffID });
      const now = new Date().toISOString();
      this.db.transaction(() => {
        this.db
          .prepare('INSERT INTO snap_snapshots (snapshotter, key, dir, parent, kind, image, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(this.kind, chainID, id, parent, 'committed', '', now);
      })();
    } catch (err) {
      rmSync(path, { recursive: true, force: true });
      throw err;
    } finally {
      this.inflight.delete(id);
    }
    this.emit('/snapshot/commit', { key: chainID, name: chainID, parent, snapshotter: this.kind });
  }

  /** A writable snapshot `key` on top of the committed parent; returns its mounts. */
  async prepare(key: string, parent: string, image: string): Promise<MountSpec[]> {
    if (typeof key !== 'string' || key.length === 0 || key.length > 256) throw invalidArgument('snapshot key must be 1 to 256 characters');
    if (this.row(key)) throw alreadyExists(`snapshot ${key}: already exists`);
    const parentRow = parent === '' ? undefined : this.row(parent);
    if (parent !== '' && (!parentRow || parentRow.kind !== 'committed')) throw failedPrecondition(`snapshot ${key}: parent ${parent} is not a committed snapshot`);
    const { id, path } = this.newDir();
    try {
      mkdirSync(path);
      if (this.kind === 'copy' && parentRow) await copyTree(join(this.dirOf(parentRow), 'fs'), join(path, 'fs'));
      else mkdirSync(join(path, 'fs'), { mode: 0o755 });
      if (this.kind === 'overlay') mkdirSync(join(path, 'work'), { mode: 0o700 });
      if (this.row(key)) throw alreadyExists(`snapshot ${key}: already exists`);
      this.db.transaction(() => {
        this.db
          .prepare('INSERT INTO snap_snapshots (snapshotter, key, dir, parent, kind, image, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
          .run(this.kind, key, id, parent, 'active', image, new Date().toISOString());
      })();
    } catch (err) {
      rmSync(path, { recursive: true, force: true });
      throw err;
    } finally {
      this.inflight.delete(id);
    }
    this.emit('/snapshot/prepare', { key, parent, snapshotter: this.kind });
    return this.mounts(key);
  }

  private activeRow(key: string): Row {
    const r = (this.db.prepare("SELECT * FROM snap_snapshots WHERE key = ? AND kind = 'active'").get(key) as Row | undefined) ?? this.row(key);
    if (!r) throw notFound(`snapshot ${key}: not found`);
    return r;
  }

  imageOf(key: string): string | undefined {
    const r = this.db.prepare("SELECT image FROM snap_snapshots WHERE key = ? AND kind = 'active'").get(key) as { image: string } | undefined;
    return r?.image;
  }

  mounts(key: string): MountSpec[] {
    const r = this.activeRow(key);
    if (r.kind !== 'active') throw failedPrecondition(`snapshot ${key}: committed snapshots are not mounted`);
    const dir = this.dirOf(r);
    if (r.snapshotter === 'copy' || r.parent === '') {
      return [{ type: 'bind', source: join(dir, 'fs'), options: ['rbind', 'rw'] }];
    }
    const lowers = this.chainOf(r.parent, r.snapshotter).map((k) => {
      const row = this.row(k, r.snapshotter) as Row;
      return join(this.dirOf(row), 'fs');
    });
    const options = [...(this.indexOff ? ['index=off'] : []), `workdir=${join(dir, 'work')}`, `upperdir=${join(dir, 'fs')}`, `lowerdir=${lowers.join(':')}`];
    return [{ type: 'overlay', source: 'overlay', options }];
  }

  /**
   * A read-only view of the committed snapshot `top` (an image's rootfs) for
   * reading a few files: one layer (or copy) is its own directory; more are a
   * read-only overlay mounted under snapshots/view-<rand>, unmounted by
   * release() (and by reconcile() after a crash in between).
   */
  async view(top: string): Promise<{ root: string; release: () => Promise<void> }> {
    const row = this.row(top);
    if (!row || row.kind !== 'committed') throw notFound(`snapshot ${top}: no committed snapshot`);
    const chain = this.chainOf(top, row.snapshotter);
    if (row.snapshotter === 'copy' || chain.length === 1) return { root: join(this.dirOf(row), 'fs'), release: async () => undefined };
    const lowers = chain.map((k) => join(this.dirOf(this.row(k, row.snapshotter) as Row), 'fs'));
    const dir = join(this.root, `view-${randomBytes(6).toString('hex')}`);
    mkdirSync(dir, { mode: 0o700 });
    const options = ['ro', ...(this.indexOff ? ['index=off'] : []), `lowerdir=${lowers.join(':')}`].join(',');
    try {
      await execFileP('mount', ['-t', 'overlay', 'overlay', '-o', options, dir]);
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw kernel(`snapshot view ${top}: mount overlay: ${((err as { stderr?: string }).stderr ?? '').trim() || errorMessage(err)}`, err);
    }
    return {
      root: dir,
      release: async () => {
        await execFileP('umount', [dir]).catch(() => execFileP('umount', ['-l', dir]));
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }

  /** Remove an active snapshot (the caller unmounted it): row first, then the files. */
  async remove(key: string): Promise<void> {
    const r = this.activeRow(key);
    if (r.kind !== 'active') throw failedPrecondition(`snapshot ${key}: a committed layer is removed with the last image using it`);
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM snap_snapshots WHERE snapshotter = ? AND key = ?').run(r.snapshotter, r.key);
    })();
    await removeTree(this.dirOf(r));
    this.emit('/snapshot/remove', { key, snapshotter: r.snapshotter });
  }

  /** Committed snapshots no image, active snapshot or lease needs (children before parents). */
  collect(keep: (key: string) => boolean): void {
    const rows = this.rows().filter((r) => r.kind === 'committed');
    const needed = new Set<string>();
    for (const r of this.rows()) {
      if (r.kind === 'active' || keep(r.key)) for (const k of this.chainOf(r.kind === 'active' ? r.parent : r.key, r.snapshotter)) needed.add(`${r.snapshotter}/${k}`);
    }
    const doomed = rows.filter((r) => !needed.has(`${r.snapshotter}/${r.key}`));
    if (doomed.length === 0) return;
    const del = this.db.prepare('DELETE FROM snap_snapshots WHERE snapshotter = ? AND key = ?');
    this.db.transaction(() => {
      for (const r of doomed) del.run(r.snapshotter, r.key);
    })();
    for (const r of doomed) {
      rmSync(this.dirOf(r), { recursive: true, force: true });
      this.emit('/snapshot/remove', { key: r.key, snapshotter: r.snapshotter });
    }
  }

  /** Directories with no row, rows whose directory (or parent) is gone, probe leftovers. */
  reconcile(): { removedFiles: string[]; removedRows: string[] } {
    const removedFiles: string[] = [];
    const removedRows: string[] = [];
    for (const name of readdirSync(this.root)) {
      if (name.startsWith('view-')) {
        // A read-only view left mounted by a crash (view()): unmount before removing.
        try {
          execFileSync('umount', ['-l', join(this.root, name)], { stdio: 'ignore' });
        } catch {
          /* not mounted */
        }
      }
      if (name.startsWith('probe-') || name.startsWith('view-')) {
        removedFiles.push(join(this.root, name));
        rmSync(join(this.root, name), { recursive: true, force: true });
      }
    }
    const del = this.db.prepare('DELETE FROM snap_snapshots WHERE snapshotter = ? AND key = ?');
    for (;;) {
      const rows = this.rows();
      const present = new Set(rows.map((r) => `${r.snapshotter}/${r.key}`));
      const broken = rows.filter((r) => !existsSync(join(this.dirOf(r), 'fs')) || (r.parent !== '' && !present.has(`${r.snapshotter}/${r.parent}`)));
      if (broken.length === 0) break;
      this.db.transaction(() => {
        for (const r of broken) del.run(r.snapshotter, r.key);
      })();
      for (const r of broken) {
        rmSync(this.dirOf(r), { recursive: true, force: true });
        removedRows.push(`${r.snapshotter}/${r.key}`);
      }
    }
    const dirs = new Set(this.rows().map((r) => `${r.snapshotter}/${r.dir}`));
    for (const k of ['overlay', 'copy'] as const) {
      for (const name of readdirSync(join(this.root, k))) {
        if (dirs.has(`${k}/${name}`) || this.inflight.has(name)) continue;
        rmSync(join(this.root, k, name), { recursive: true, force: true });
        removedFiles.push(join(this.root, k, name));
      }
    }
    return { removedFiles, removedRows };
  }
}

async function copyTree(from: string, to: string): Promise<void> {
  try {
    await execFileP('cp', ['-a', '--', from, to]);
  } catch (err) {
    throw kernel(`snapshot copy ${from}: cp -a: ${((err as { stderr?: string }).stderr ?? '').trim() || errorMessage(err)}`, err);
  }
}

async function removeTree(path: string): Promise<void> {
  try {
    rmSync(path, { recursive: true, force: true });
  } catch (err) {
    throw kernel(`snapshot remove ${path}: ${errorMessage(err)} (still mounted?)`, err);
  }
}
