// What the task manager needs from a shim (native/shim/PROTOCOL.md), as an
// interface: tasks/shim.ts implements it over engine/shim/client.ts, unit
// tests with a fake.
import type { ExitStatus, Launched as ShimLaunched, ShimState } from '../../shim/client.ts';
import type { AttachSession } from '../api-types.ts';

// The exit status, state and launch answers are the client's own types (one definition).
export type { ExitStatus, ShimLaunched, ShimState };

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
  pause(): Promise<void>;
  resume(): Promise<void>;
  /** OCI LinuxResources. */
  update(resources: object): Promise<void>;
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

export interface ShimDriver {
  launch(opts: ShimLaunchOptions): Promise<ShimLaunched>;
  connect(socket: string): ShimConn;
}
