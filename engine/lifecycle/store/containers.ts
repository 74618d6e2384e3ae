// Container rows: immutable except labels, the spec's linux.resources (Tasks.Update) and updated_at.
import type { Container } from '../api-types.ts';
import type { Db } from './db.ts';

interface Row {
  id: string;
  image: string;
  spec: string;
  snapshot_key: string;
  runtime: string;
  labels: string;
  created_at: string;
  updated_at: string;
}

function fromRow(r: Row): Container {
  return { ...r, labels: parseLabels(r.labels) };
}

function parseLabels(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const parsed: unknown = JSON.parse(text);
  if (parsed && typeof parsed === 'object') {
    for (const [k, v] of Object.entries(parsed)) if (typeof v === 'string') out[k] = v;
  }
  return out;
}

export class ContainerStore {
  constructor(private readonly db: Db) {}

  insert(c: Container): void {
    this.db
      .prepare('INSERT INTO containers (id, image, spec, snapshot_key, runtime, labels, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(c.id, c.image, c.spec, c.snapshot_key, c.runtime, JSON.stringify(c.labels), c.created_at, c.updated_at);
  }

  get(id: string): Container | undefined {
    const r = this.db.prepare('SELECT * FROM containers WHERE id = ?').get(id) as Row | undefined;
    return r ? fromRow(r) : undefined;
  }

  list(): Container[] {
    return (this.db.prepare('SELECT * FROM containers ORDER BY created_at, id').all() as Row[]).map(fromRow);
  }

  updateLabels(id: string, labels: Record<string, string>, now: string): void {
    this.db.prepare('UPDATE containers SET labels = ?, updated_at = ? WHERE id = ?').run(JSON.stringify(labels), now, id);
  }

  updateSpec(id: string, spec: string, now: string): void {
    this.db.prepare('UPDATE containers SET spec = ?, updated_at = ? WHERE id = ?').run(spec, now, id);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM containers WHERE id = ?').run(id);
  }
}
