// The metadata database: <data-root>/meta.db, SQLite through better-sqlite3.
// WAL + synchronous=FULL: a committed transaction survives kill -9 and power
// loss; every state change of a container or task is one transaction.  The
// image side opens its own tables in the same file (CREATE TABLE IF NOT EXISTS).
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS containers (
  id TEXT PRIMARY KEY,
  image TEXT NOT NULL,
  spec TEXT NOT NULL,
  snapshot_key TEXT NOT NULL,
  runtime TEXT NOT NULL,
  labels TEXT NOT NULL DEFAULT '{}',
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS tasks (
  container_id TEXT PRIMARY KEY REFERENCES containers(id),
  pid INTEGER NOT NULL DEFAULT 0,
  status TEXT NOT NULL,
  exit_status INTEGER NOT NULL DEFAULT 0,
  exited_at TEXT NOT NULL DEFAULT '',
  shim_pid INTEGER NOT NULL DEFAULT 0,
  shim_socket TEXT NOT NULL DEFAULT '',
  state TEXT NOT NULL DEFAULT '{}'
);
`;

/** Open (creating if needed) <dataRoot>/meta.db with the lifecycle tables. */
export function openDatabase(dataRoot: string): Db {
  mkdirSync(dataRoot, { recursive: true, mode: 0o700 });
  const db = new Database(join(dataRoot, 'meta.db'));
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  db.exec(SCHEMA);
  return db;
}
