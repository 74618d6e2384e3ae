// What the task manager needs from a shim (native/shim/PROTOCOL.md), as an
// interface: tasks/shim.ts implements it over engine/shim/client.ts, unit
// tests with a fake.
import type { AttachSession } from '../api-types.ts';

/** The shim's exit status JSON (PROTOCOL.md "Exit status JSON"). */
export interface ExitStatus {
  pid: number;
  code: number;
  signal: number;
  oom: boolean;
  exited_at: string;
}

export interface ShimProcessState {
  exec_id: string;
  pid: number;
  status: 'registered' | 'created' | 'running' | 'stopped' | string;
  exit: ExitStatus | null;
}

export interface ShimState {
  id: string;
  pid: number;
  status: 'created' | 'running' | 'stopped' | string;
  exit: ExitStatus | null;
  execs: ShimProcessState[];
}

export interface ShimAttachOptions {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  execId?: string;
  /** The process has a terminal: output is raw bytes (stream 0). */
  tty: boolean;
}

export interface ShimConn {
  state(): Promise<ShimState>;
  start(execId?: string): Promise<number>;
  exec(execId: string, process: object, terminal: boolean, stdin?: boolean): Promise<void>;
  kill(signal: number, all: boolean, execId?: string): Promise<void>;
  resize(width: number, height: number, execId?: string): Promise<void>;
  closeStdin(execId?: string): Promise<void>;
  wait(execId?: string): Promise<ExitStatus>;
  pids(): Promise<number[]>;
  attach(opts: ShimAttachOptions): Promise<AttachSession>;
  delete(execId?: string): Promise<ExitStatus>;
  shutdown(force: boolean): Promise<void>;
}

export interface ShimLaunchOptions {
  shim: string;
  id: string;
  bundle: string;
  stateDir: string;
  runtime: string;
  runtimeRoot: string;
  logPath: string;
  logMaxSize?: number;
  logMaxFile?: number;
  terminal: boolean;
  stdin: boolean;
  consoleWidth?: number;
  consoleHeight?: number;
}

export interface ShimLaunched {
  shimPid: number;
  pid: number;
  socket: string;
}

export interface ShimDriver {
  launch(opts: ShimLaunchOptions): Promise<ShimLaunched>;
  connect(socket: string): ShimConn;
}
