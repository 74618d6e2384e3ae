// Exec instances (moby daemon/exec): created by POST /containers/:id/exec,
// run once by POST /exec/:id/start, inspected until their container goes.
// In memory: a stratad restart forgets them (moby forgets them too).
import { randomBytes } from 'node:crypto';

import { notFound } from '../../errors.ts';

export interface ExecConfig {
  Cmd: string[];
  Env: string[];
  WorkingDir: string;
  User: string;
  Tty: boolean;
  Privileged: boolean;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  DetachKeys: string;
  ConsoleSize: [number, number] | null;
}

export interface ExecRecord {
  /** 64 hex: the Docker exec id. */
  id: string;
  /** lifecycled's exec id (shorter: it names files in the shim's state dir). */
  processId: string;
  /** The Docker container id. */
  containerId: string;
  /** lifecycled's container/task id. */
  taskId: string;
  config: ExecConfig;
  running: boolean;
  started: boolean;
  exitCode: number | null;
  pid: number;
}

const execs = new Map<string, ExecRecord>();

export function newExec(containerId: string, taskId: string, config: ExecConfig): ExecRecord {
  const id = randomBytes(32).toString('hex');
  const r: ExecRecord = { id, processId: `exec-${id.slice(0, 16)}`, containerId, taskId, config, running: false, started: false, exitCode: null, pid: 0 };
  execs.set(id, r);
  // Bounded: drop the oldest finished ones beyond 1000.
  if (execs.size > 1000) {
    for (const [k, v] of execs) {
      if (!v.running && execs.size > 1000) execs.delete(k);
    }
  }
  return r;
}

export function getExec(ref: string): ExecRecord {
  const r = execs.get(ref) ?? [...execs.values()].find((e) => ref.length >= 12 && e.id.startsWith(ref));
  if (!r) throw notFound('stratad', `No such exec instance: ${ref}`);
  return r;
}

export function execsOf(containerId: string): ExecRecord[] {
  return [...execs.values()].filter((e) => e.containerId === containerId);
}

export function forgetExecsOf(containerId: string): void {
  for (const e of execsOf(containerId)) execs.delete(e.id);
}
