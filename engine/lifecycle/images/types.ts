// The contract between strata-lifecycled's task side and its image side
// (content store, images, snapshots).  The image side implements ImageService;
// the gRPC services and the task manager call only this.

/** An OCI descriptor: what an image name points at. */
export interface Descriptor {
  mediaType: string;
  digest: string; // "sha256:<hex>"
  size: number;
}

export interface ImageRecord {
  name: string; // normalised, e.g. "busybox:latest"
  target: Descriptor; // the manifest
  createdAt: string; // RFC 3339
  labels: Record<string, string>;
}

/** What the container runs by default, from the image config. */
export interface ImageRuntimeConfig {
  env: string[];
  entrypoint: string[];
  cmd: string[];
  workingDir: string;
  user: string;
}

/** The image's config blob (Docker's image ID is its digest). */
export interface ImageConfigBlob {
  digest: string;
  bytes: Buffer;
}

/** A mount description, as containerd's snapshotters return them: the caller mounts it. */
export interface MountSpec {
  type: string; // "overlay" | "bind"
  source: string;
  options: string[];
}

export interface SnapshotInfo {
  key: string;
  parent: string; // "" for none
  kind: 'active' | 'committed';
  createdAt: string;
}

export interface ImageService {
  /** A rootfs tarball becomes a one-layer image (like `docker import`). */
  importRootfs(tarPath: string, name: string): Promise<ImageRecord>;
  /** A `docker save` archive or an OCI image-layout tarball; returns the images it named. */
  load(tarPath: string): Promise<ImageRecord[]>;
  list(): ImageRecord[];
  get(name: string): ImageRecord | undefined;
  /** Refused (FailedPrecondition) while a container's snapshot uses it. */
  remove(name: string): Promise<void>;
  runtimeConfig(name: string): Promise<ImageRuntimeConfig>;
  /** A writable snapshot `key` on top of the image's layers (unpacked once, shared). */
  prepareRootfs(name: string, key: string): Promise<MountSpec[]>;
  /** Mounts of an existing active snapshot (after a restart). */
  mounts(key: string): MountSpec[];
  removeSnapshot(key: string): Promise<void>;
  listSnapshots(): SnapshotInfo[];

  // Optional members added by the image side (the task side may rely on them).
  /** The content store behind the Content gRPC service. */
  content?: ContentStore;
  /**
   * Run once at start, before other calls: removes blob files with no row,
   * rows whose files are gone, snapshot dirs with no row, stale ingests and
   * temp leftovers of a crashed process.  Returns what it removed.
   */
  reconcile?(): ReconcileReport;
  /** "overlay" or "copy": what prepareRootfs returns mounts for. */
  snapshotter?: 'overlay' | 'copy';
  /** Image names whose layers an active snapshot is built on (for `images ls` / in-use checks). */
  snapshotImage?(key: string): string | undefined;
  /** The config blob of an image (NotFound for an unknown name). */
  config?(name: string): ImageConfigBlob;
  /** A user spec resolved against the image's /etc/passwd and /etc/group (InvalidArgument for an unknown name). */
  resolveUser?(name: string, user: string): Promise<{ uid: number; gid: number; additional_gids: number[] }>;
  /** A second name for the source's manifest. */
  tag?(source: string, target: string): Promise<ImageRecord>;
}

export interface ReconcileReport {
  removedFiles: string[];
  removedRows: string[];
}

export interface ContentInfo {
  digest: string;
  size: number;
  createdAt: string;
}

export interface IngestStatus {
  ref: string;
  offset: number;
  expectedDigest: string; // "" when unknown
  expectedSize: number; // -1 when unknown
  updatedAt: string;
}

/** A resumable write: offset is where a writer for an existing ref starts. */
export interface ContentWriter {
  readonly ref: string;
  readonly offset: number;
  write(chunk: Buffer): Promise<void>;
  /** Verifies size and sha256 against the expected values; a mismatch discards the data. */
  commit(): Promise<ContentInfo>;
  /** Stops writing and keeps the ingest, so a new writer with the same ref resumes. */
  close(): Promise<void>;
  abort(): Promise<void>;
}

export interface ContentStore {
  info(digest: string): ContentInfo | undefined;
  list(): ContentInfo[];
  /** The file of a committed blob (NotFound when absent). */
  path(digest: string): string;
  read(digest: string, limit?: number): Buffer;
  writer(ref: string, expectedDigest?: string, expectedSize?: number): Promise<ContentWriter>;
  status(ref: string): IngestStatus | undefined;
  listIngests(): IngestStatus[];
  abort(ref: string): Promise<void>;
}
