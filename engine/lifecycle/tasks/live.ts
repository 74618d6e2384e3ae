// In-memory companions of a task row: its shim connection, a lock that
// serialises its state changes, exec'd processes and exit promises.
import type { ExitResponse, TaskStatus } from '../api-types.ts';
import type { TaskRow } from '../store/tasks.ts';
import type { ShimConn } from './shim-types.ts';

export class Deferred<T> {
  readonly promise: Promise<T>;
  resolve!: (v: T) => void;
  settled = false;
  constructor() {
    this.promise = new Promise<T>((r) => {
      this.resolve = (v: T) => {
        this.settled = true;
        r(v);
      };
    });
  }
}

/** Runs its jobs one at a time, in call order. */
export class Mutex {
  private tail: Promise<unknown> = Promise.resolve();
  run<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.tail.then(fn, fn);
    this.tail = next.catch(() => undefined);
    return next;
  }
}

export interface ExecProc {
  id: string;
  pid: number;
  status: TaskStatus;
  terminal: boolean;
  exit: ExitResponse | undefined;
  done: Deferred<ExitResponse>;
}

export class LiveTask {
  readonly lock = new Mutex();
  readonly exited = new Deferred<ExitResponse>();
  readonly execs = new Map<string, ExecProc>();
  /** Set on delete and daemon stop: watchers end quietly. */
  closed = false;

  constructor(
    public row: TaskRow,
    public shim: ShimConn,
  ) {}

  get id(): string {
    return this.row.container_id;
  }

  exitResponse(): ExitResponse {
    const r = this.row;
    return { container_id: r.container_id, id: r.container_id, pid: r.pid, exit_status: r.exit_status, exited_at: r.exited_at, oom: r.state.oom };
  }
}
