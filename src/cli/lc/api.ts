// What `strata lc` needs from strata-lifecycled, in the CLI's own terms.  The
// verbs call only this; connect.ts adapts engine/lifecycle/client.ts (the one
// typed gRPC client) to it, so a change of the client touches one file.

export interface ImageInfo {
  name: string;
  digest: string;
  size: number;
  createdAt: string;
}

export interface TaskInfo {
  id: string;
  pid: number;
  /** creating, created, running, stopped */
  status: string;
  /** Set once the task has stopped. */
  exitStatus?: number;
}

export interface ExitInfo {
  exitStatus: number;
  exitedAt: string;
}

export interface LcEvent {
  timestamp: string;
  topic: string;
  payload: unknown;
}

export interface RunSpec {
  id: string;
  image: string;
  /** Empty: the image's default command. */
  args: string[];
  env: string[];
  terminal: boolean;
  stdin: boolean;
}

export interface ExecSpec {
  containerId: string;
  execId: string;
  args: string[];
  env: string[];
  terminal: boolean;
  stdin: boolean;
}

/** A live attach: output in, stdin out; `done` settles when the output has ended. */
export interface Attachment {
  onStdout(fn: (chunk: Buffer) => void): void;
  onStderr(fn: (chunk: Buffer) => void): void;
  writeStdin(chunk: Buffer): void;
  closeStdin(): void;
  done: Promise<void>;
  close(): void;
}

export interface Subscription {
  onEvent(fn: (e: LcEvent) => void): void;
  done: Promise<void>;
  close(): void;
}

export interface LcApi {
  version(): Promise<{ version: string; revision: string }>;
  importImage(tarball: string, name: string): Promise<ImageInfo>;
  loadImages(tarball: string): Promise<ImageInfo[]>;
  listImages(): Promise<ImageInfo[]>;
  removeImage(name: string): Promise<void>;
  /** Container record plus its task, created (not started). */
  createContainer(spec: RunSpec): Promise<void>;
  createTask(spec: RunSpec): Promise<{ pid: number }>;
  startTask(id: string, execId?: string): Promise<{ pid: number }>;
  /** stdout defaults to true (and brings stderr with it). */
  attach(id: string, opts: { stdin: boolean; stdout?: boolean; execId?: string }): Promise<Attachment>;
  wait(id: string, execId?: string): Promise<ExitInfo>;
  resize(id: string, width: number, height: number, execId?: string): Promise<void>;
  kill(id: string, signal: number, opts?: { all?: boolean; execId?: string }): Promise<void>;
  deleteTask(id: string): Promise<ExitInfo | undefined>;
  deleteContainer(id: string): Promise<void>;
  listTasks(): Promise<TaskInfo[]>;
  exec(spec: ExecSpec): Promise<void>;
  pids(id: string): Promise<number[]>;
  metrics(id: string): Promise<unknown>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  /** resources: OCI LinuxResources, JSON. */
  update(id: string, resources: string): Promise<void>;
  tagImage(source: string, target: string): Promise<ImageInfo>;
  /** The config document (parsed) and its digest. */
  imageConfig(name: string): Promise<{ digest: string; config: unknown }>;
  /** Topic-prefix filters; with sinceMs, the daemon's history from then first. */
  subscribe(filters: string[], sinceMs?: number): Promise<Subscription>;
  close(): void;
}
