// The messages of engine/proto/strata/lifecycle/v1/*.proto as TypeScript
// (field names as in the .proto: proto-loader runs with keepCase), and the
// service interfaces.  The local services implement them, the gRPC adapters
// serve them and the client (client.ts) calls them: one shape for all three.

export type TaskStatus = 'creating' | 'created' | 'running' | 'paused' | 'stopped';

export interface Empty {}

export interface VersionResponse {
  version: string;
  revision: string;
  runtime: string;
  runtime_version: string;
}

export interface Container {
  id: string;
  image: string;
  spec: string;
  snapshot_key: string;
  runtime: string;
  labels: Record<string, string>;
  created_at: string;
  updated_at: string;
}

export interface CreateContainerRequest {
  id: string;
  image: string;
  spec?: string;
  args?: string[];
  env?: string[];
  tty?: boolean;
  hostname?: string;
  runtime?: string;
  labels?: Record<string, string>;
}

/** A task's init or one of its exec'd processes. */
export interface ProcessInfo {
  container_id: string;
  id: string;
  pid: number;
  status: TaskStatus;
  exit_status: number;
  exited_at: string;
  oom: boolean;
  terminal: boolean;
  /** The task's strata-shim (the init's only). */
  shim_pid?: number;
}

export interface CreateTaskRequest {
  container_id: string;
  terminal?: boolean;
  stdin?: boolean;
  log_max_size?: number;
  log_max_file?: number;
  console_width?: number;
  console_height?: number;
}

export interface ProcessRequest {
  container_id: string;
  exec_id?: string;
}

export interface KillRequest extends ProcessRequest {
  signal?: number;
  all?: boolean;
}

export interface ExitResponse {
  container_id: string;
  id: string;
  pid: number;
  exit_status: number;
  exited_at: string;
  oom: boolean;
}

export interface ExecRequest {
  container_id: string;
  exec_id: string;
  spec: string;
  terminal?: boolean;
  stdin?: boolean;
}

export interface ResizePtyRequest extends ProcessRequest {
  width: number;
  height: number;
}

export interface UpdateTaskRequest {
  container_id: string;
  /** OCI LinuxResources, JSON. */
  resources: string;
}

export interface AttachRequest extends ProcessRequest {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
}

/** One chunk of output: stream 1 stdout, 2 stderr, 0 raw terminal bytes. */
export interface AttachChunk {
  stream: number;
  data: Buffer;
}

/** An open attach: output as an async iterable; stdin through write/closeStdin. */
export interface AttachSession {
  output: AsyncIterable<AttachChunk>;
  write(data: Buffer | string): void;
  closeStdin(): void;
  /** Stop reading (detach); the process goes on. */
  close(): void;
}

export interface Metrics {
  cgroup_version: 'v1' | 'v2';
  cpu_usage_ns: number;
  memory_usage: number;
  memory_limit: number;
  pids_current: number;
  pids_limit: number;
  io_read_bytes: number;
  io_write_bytes: number;
}

export interface Envelope {
  timestamp: string;
  topic: string;
  payload: string;
  seq: number;
}

export interface Descriptor {
  media_type: string;
  digest: string;
  size: number;
}

export interface Image {
  name: string;
  target: Descriptor;
  created_at: string;
  labels: Record<string, string>;
}

/** Images.Config: the config document and its digest (Docker's image ID). */
export interface ImageConfigResponse {
  digest: string;
  config: string;
}

/** Images.ResolveUser: the ids a user spec names inside the image. */
export interface ResolvedUser {
  uid: number;
  gid: number;
  additional_gids: number[];
}

export interface SnapshotInfo {
  key: string;
  parent: string;
  kind: string;
  created_at: string;
}

export interface Mount {
  type: string;
  source: string;
  options: string[];
}

export interface ContentInfo {
  digest: string;
  size: number;
  created_at: string;
  labels: Record<string, string>;
}

// ---- service interfaces (local objects, gRPC adapters and client alike) ----

export interface ContainersApi {
  create(req: CreateContainerRequest): Promise<Container>;
  get(id: string): Promise<Container>;
  list(): Promise<Container[]>;
  update(id: string, labels: Record<string, string>): Promise<Container>;
  delete(id: string): Promise<void>;
}

export interface TasksApi {
  create(req: CreateTaskRequest): Promise<{ container_id: string; pid: number }>;
  start(req: ProcessRequest): Promise<{ pid: number }>;
  kill(req: KillRequest): Promise<void>;
  delete(req: ProcessRequest): Promise<ExitResponse>;
  exec(req: ExecRequest): Promise<void>;
  pids(req: ProcessRequest): Promise<number[]>;
  resize(req: ResizePtyRequest): Promise<void>;
  closeIO(req: ProcessRequest): Promise<void>;
  wait(req: ProcessRequest): Promise<ExitResponse>;
  attach(req: AttachRequest): Promise<AttachSession>;
  get(req: ProcessRequest): Promise<ProcessInfo>;
  list(): Promise<ProcessInfo[]>;
  metrics(req: ProcessRequest): Promise<Metrics>;
  pause(req: ProcessRequest): Promise<void>;
  resume(req: ProcessRequest): Promise<void>;
  update(req: UpdateTaskRequest): Promise<void>;
}

export interface EventsApi {
  /**
   * Events whose topic starts with one of `filters` (none: all).  With
   * `since` (Unix ms; 0 = everything still in the daemon's history) past
   * events come first, then live ones.  Ends when `signal` aborts.
   */
  subscribe(filters?: string[], since?: number, signal?: AbortSignal): AsyncIterable<Envelope>;
}

export interface ImagesApi {
  import(path: string, name: string): Promise<Image>;
  load(path: string): Promise<Image[]>;
  list(): Promise<Image[]>;
  get(name: string): Promise<Image>;
  remove(name: string): Promise<void>;
  config(name: string): Promise<ImageConfigResponse>;
  resolveUser(name: string, user: string): Promise<ResolvedUser>;
  tag(source: string, target: string): Promise<Image>;
}

export interface SnapshotsApi {
  list(): Promise<SnapshotInfo[]>;
  mounts(key: string): Promise<Mount[]>;
  remove(key: string): Promise<void>;
}

export interface ContentApi {
  info(digest: string): Promise<ContentInfo>;
  list(): Promise<ContentInfo[]>;
  delete(digest: string): Promise<void>;
  /** The blob's bytes from offset (size 0 or absent: to the end), in chunks. */
  read(digest: string, offset?: number, size?: number): AsyncIterable<Buffer>;
}

export interface LifecycleApi {
  version(): Promise<VersionResponse>;
  containers: ContainersApi;
  tasks: TasksApi;
  events: EventsApi;
  images: ImagesApi;
  snapshots: SnapshotsApi;
  content: ContentApi;
  /** Pull, push, login against registries (distribution.proto); absent in fakes. */
  distribution?: import('./registry/api.ts').DistributionApi;
}
