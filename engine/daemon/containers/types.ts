// Docker-level container records: what `docker create` sent (Config,
// HostConfig, name) plus what stratad tracks (state, restarts).  The OCI spec
// built from them lives in lifecycled; these are the source of truth for
// names, labels, restart policy and the State Docker clients see.
import type { MountPoint } from '../volumes/types.ts';

/** Docker's container Config (the create body minus HostConfig/NetworkingConfig); unknown fields kept. */
export interface DockerConfig {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts?: Record<string, object> | null;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[];
  Cmd: string[];
  Image: string;
  Volumes?: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  Labels: Record<string, string>;
  StopSignal?: string;
  StopTimeout?: number;
  [key: string]: unknown;
}

export interface RestartPolicy {
  Name: '' | 'no' | 'always' | 'unless-stopped' | 'on-failure';
  MaximumRetryCount: number;
}

/** The HostConfig fields stratad acts on (normalized); the rest is kept as sent. */
export interface HostConfig {
  Binds: string[] | null;
  NetworkMode: string;
  RestartPolicy: RestartPolicy;
  AutoRemove: boolean;
  Privileged: boolean;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  ReadonlyRootfs: boolean;
  Memory: number;
  MemorySwap: number;
  NanoCpus: number;
  CpuShares: number;
  CpuQuota: number;
  CpuPeriod: number;
  PidsLimit: number | null;
  ShmSize: number;
  LogConfig: { Type: string; Config: Record<string, string> };
  [key: string]: unknown;
}

export type ContainerStatus = 'created' | 'running' | 'paused' | 'restarting' | 'removing' | 'exited' | 'dead';

export interface ContainerState {
  Status: ContainerStatus;
  Pid: number;
  ExitCode: number;
  Error: string;
  OOMKilled: boolean;
  /** RFC 3339 (nano); "0001-01-01T00:00:00Z" when never. */
  StartedAt: string;
  FinishedAt: string;
}

export interface ContainerRecord {
  /** 64 lowercase hex; also the lifecycled container id. */
  id: string;
  /** Without the leading "/". */
  name: string;
  /** The image as the client named it ("busybox"). */
  image: string;
  /** lifecycled's image name ("busybox:latest"). */
  imageRef: string;
  /** "sha256:<hex>": Docker's image ID, the image's config digest (lifecycled's Images.Config). */
  imageId: string;
  config: DockerConfig;
  hostConfig: HostConfig;
  /** The process Docker reports: Path + Args. */
  path: string;
  args: string[];
  created: string;
  restartCount: number;
  /** Set by `docker stop`/`kill` through the API: unless-stopped and always (after a daemon restart) honour it. */
  manuallyStopped: boolean;
  /** Started at least once (restart policies only apply after a first start). */
  hasBeenStarted: boolean;
  state: ContainerState;
  /** Resolved at create (volumes/mounts.ts): volumes, binds, tmpfs; absent on records from before volumes. */
  mounts?: MountPoint[];
}

export const ZERO_TIME = '0001-01-01T00:00:00Z';
