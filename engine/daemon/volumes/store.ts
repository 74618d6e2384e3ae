// Volume metadata: SQLite at <data-root>/volumes/metadata.db (where Docker
// keeps its own), one row per volume.  The data lives beside it in
// <data-root>/volumes/<name>/_data; the row is written after the directory
// exists and deleted before it is removed, so a crash leaves at worst an
// orphan directory, never a row without data.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import type { VolumeRecord } from './types.ts';

export class VolumeStore {
  private readonly db: Database.Database;

  constructor(readonly root: string) {
    mkdirSync(root, { recursive: true, mode: 0o701 });
    this.db = new Database(join(root, 'metadata.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec('CREATE TABLE IF NOT EXISTS volumes (name TEXT PRIMARY KEY, record TEXT NOT NULL)');
  }

  close(): void {
    this.db.close();
  }

  /** false when the name is taken. */
  insert(v: VolumeRecord): boolean {
    return this.db.prepare('INSERT OR IGNORE INTO volumes (name, record) VALUES (?, ?)').run(v.name, JSON.stringify(v)).changes === 1;
  }

  get(name: string): VolumeRecord | undefined {
    const row = this.db.prepare('SELECT record FROM volumes WHERE name = ?').get(name) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as VolumeRecord) : undefined;
  }

  list(): VolumeRecord[] {
    return (this.db.prepare('SELECT record FROM volumes ORDER BY name').all() as { record: string }[]).map((r) => JSON.parse(r.record) as VolumeRecord);
  }

  delete(name: string): void {
    this.db.prepare('DELETE FROM volumes WHERE name = ?').run(name);
  }
}
