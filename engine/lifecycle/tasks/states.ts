// The task state machine (containerd's init_state.go, runc state_linux.go):
//
//   creating --create ok--> created --start--> running --exit--> stopped --delete--> (gone)
//                               \------------------exit/kill-------^
//
// Each verb lists the states it is allowed in; anything else is refused in
// plain words ("cannot start a task that is running").
import type { TaskStatus } from '../api-types.ts';
import { failedPrecondition } from '../../errors.ts';

export type Verb = 'start' | 'kill' | 'delete' | 'exec' | 'pids' | 'resize' | 'close stdin of' | 'attach to' | 'read metrics of';

const ALLOWED: Record<Verb, readonly TaskStatus[]> = {
  start: ['created'],
  kill: ['created', 'running'],
  delete: ['created', 'stopped'],
  exec: ['running'],
  pids: ['created', 'running'],
  resize: ['created', 'running'],
  'close stdin of': ['created', 'running'],
  'attach to': ['created', 'running', 'stopped'],
  'read metrics of': ['created', 'running'],
};

export function allowed(verb: Verb, status: TaskStatus): boolean {
  return ALLOWED[verb].includes(status);
}

export function assertAllowed(verb: Verb, status: TaskStatus, what = 'task'): void {
  if (!allowed(verb, status)) throw failedPrecondition('lifecycled', `cannot ${verb} a ${what} that is ${status}`);
}
