// The task state machine (containerd's init_state.go, runc state_linux.go):
//
//   creating --create ok--> created --start--> running --exit--> stopped --delete--> (gone)
//                               \                 pause | ^ resume    ^
//                                \                  paused --kill----/
//                                 \------------------exit/kill-------^
//
// Each verb lists the states it is allowed in; anything else is refused in
// plain words ("cannot start a task that is running").
import type { TaskStatus } from '../api-types.ts';
import { failedPrecondition } from '../../errors.ts';

export type Verb = 'start' | 'kill' | 'delete' | 'exec' | 'pids' | 'resize' | 'close stdin of' | 'attach to' | 'read metrics of' | 'pause' | 'resume' | 'update';

const ALLOWED: Record<Verb, readonly TaskStatus[]> = {
  start: ['created'],
  kill: ['created', 'running', 'paused'],
  delete: ['created', 'stopped'],
  exec: ['running'],
  pids: ['created', 'running', 'paused'],
  resize: ['created', 'running', 'paused'],
  'close stdin of': ['created', 'running', 'paused'],
  'attach to': ['created', 'running', 'paused', 'stopped'],
  'read metrics of': ['created', 'running', 'paused'],
  // containerd pauses running tasks only (runc would also freeze a created one).
  pause: ['running'],
  resume: ['paused'],
  update: ['created', 'running', 'paused'],
};

export function allowed(verb: Verb, status: TaskStatus): boolean {
  return ALLOWED[verb].includes(status);
}

export function assertAllowed(verb: Verb, status: TaskStatus, what = 'task'): void {
  if (!allowed(verb, status)) throw failedPrecondition('lifecycled', `cannot ${verb} a ${what} that is ${status}`);
}
