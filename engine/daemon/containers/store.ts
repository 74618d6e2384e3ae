// The Docker-level container store: SQLite at <data-root>/stratad.db.  One
// row per container, the Docker JSON kept as JSON columns; names unique.
// resolve() is how every route turns "web", "/web", a full id or a unique id
// prefix into a record (moby daemon.GetContainer).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { invalidArgument, notFound } from '../../errors.ts';
import type { ContainerRecord } from './types.ts';

interface Row {
  id: string;
  name: string;
  record: string;
}

export class ContainerStore {
  private readonly db: Database.Database;

  constructor(dataRoot: string) {
    mkdirSync(dataRoot, { recursive: true });
    this.db = new Database(join(dataRoot, 'stratad.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`CREATE TABLE IF NOT EXISTS containers (
      id TEXT PRIMARY KEY,
      name TEXT NOT NULL UNIQUE,
      record TEXT NOT NULL
    )`);
  }

  close(): void {
    this.db.close();
  }

  insert(r: ContainerRecord): void {
    this.db.prepare('INSERT INTO containers (id, name, record) VALUES (?, ?, ?)').run(r.id, r.name, JSON.stringify(r));
  }

  /** Replace the stored record (name changes included). */
  put(r: ContainerRecord): void {
    this.db.prepare('UPDATE containers SET name = ?, record = ? WHERE id = ?').run(r.name, JSON.stringify(r), r.id);
  }

  /** Read-modify-write of one record; returns the new one (undefined when gone). */
  update(id: string, change: (r: ContainerRecord) => void): ContainerRecord | undefined {
    const r = this.get(id);
    if (!r) return undefined;
    change(r);
    this.put(r);
    return r;
  }

  get(id: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT id, name, record FROM containers WHERE id = ?').get(id) as Row | undefined;
    return row ? parse(row) : undefined;
  }

  byName(name: string): ContainerRecord | undefined {
    const row = this.db.prepare('SELECT id, name, record FROM containers WHERE name = ?').get(name.replace(/^\//, '')) as Row | undefined;
    return row ? parse(row) : undefined;
  }

  list(): ContainerRecord[] {
    return (this.db.prepare('SELECT id, name, record FROM containers').all() as Row[]).map(parse).sort((a, b) => (a.created < b.created ? 1 : -1));
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }

  /** Full id, name (with or without "/"), or a unique id prefix; else NotFound "No such container: X". */
  resolve(ref: string): ContainerRecord {
    if (!ref) throw notFound('stratad', 'No such container: ');
    const exact = this.get(ref) ?? this.byName(ref);
    if (exact) return exact;
    if (/^[0-9a-f]+$/.test(ref)) {
      const rows = this.db.prepare("SELECT id, name, record FROM containers WHERE id LIKE ? || '%' LIMIT 2").all(ref) as Row[];
      if (rows.length > 1) throw invalidArgument('stratad', `multiple IDs found with provided prefix: ${ref}`);
      if (rows[0]) return parse(rows[0]);
    }
    throw notFound('stratad', `No such container: ${ref}`);
  }
}

function parse(row: Row): ContainerRecord {
  return JSON.parse(row.record) as ContainerRecord;
}
