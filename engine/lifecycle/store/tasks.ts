// Task rows: one per container that has a task.  `state` holds what the task
// manager needs after a restart (terminal, stdin, bundle, whether /tasks/start
// was published, oom) as JSON.
import type { TaskStatus } from '../api-types.ts';
import type { Db } from './db.ts';

export interface TaskExtra {
  terminal: boolean;
  stdin: boolean;
  bundle: string;
  runtime: string;
  started: boolean; // /tasks/start was published
  oom: boolean;
  shimDead: boolean; // the shim died without a delete: runtime delete --force on task delete
}

export interface TaskRow {
  container_id: string;
  pid: number;
  status: TaskStatus;
  exit_status: number;
  exited_at: string;
  shim_pid: number;
  shim_socket: string;
  state: TaskExtra;
}

interface RawRow extends Omit<TaskRow, 'state' | 'status'> {
  status: string;
  state: string;
}

const STATUSES = new Set(['creating', 'created', 'running', 'paused', 'stopped']);

function fromRaw(r: RawRow): TaskRow {
  const s: Partial<TaskExtra> = JSON.parse(r.state) as Partial<TaskExtra>;
  const status = STATUSES.has(r.status) ? (r.status as TaskStatus) : 'stopped';
  return {
    ...r,
    status,
    state: {
      terminal: s.terminal === true,
      stdin: s.stdin === true,
      bundle: typeof s.bundle === 'string' ? s.bundle : '',
      runtime: typeof s.runtime === 'string' ? s.runtime : '',
      started: s.started === true,
      oom: s.oom === true,
      shimDead: s.shimDead === true,
    },
  };
}

export class TaskStore {
  constructor(private readonly db: Db) {}

  insert(t: TaskRow): void {
    this.db
      .prepare('INSERT INTO tasks (container_id, pid, status, exit_status, exited_at, shim_pid, shim_socket, state) VALUES (?, ?, ?, ?, ?, ?, ?, ?)')
      .run(t.container_id, t.pid, t.status, t.exit_status, t.exited_at, t.shim_pid, t.shim_socket, JSON.stringify(t.state));
  }

  /** Write the whole row (one transaction: a single UPDATE). */
  save(t: TaskRow): void {
    this.db
      .prepare('UPDATE tasks SET pid = ?, status = ?, exit_status = ?, exited_at = ?, shim_pid = ?, shim_socket = ?, state = ? WHERE container_id = ?')
      .run(t.pid, t.status, t.exit_status, t.exited_at, t.shim_pid, t.shim_socket, JSON.stringify(t.state), t.container_id);
  }

  get(id: string): TaskRow | undefined {
    const r = this.db.prepare('SELECT * FROM tasks WHERE container_id = ?').get(id) as RawRow | undefined;
    return r ? fromRaw(r) : undefined;
  }

  list(): TaskRow[] {
    return (this.db.prepare('SELECT * FROM tasks ORDER BY container_id').all() as RawRow[]).map(fromRaw);
  }

  delete(id: string): void {
    this.db.prepare('DELETE FROM tasks WHERE container_id = ?').run(id);
  }
}
