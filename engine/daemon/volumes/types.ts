// Volume and mount-point records.  A VolumeRecord is what the store keeps
// (the local driver's metadata); a MountPoint is one resolved mount of a
// container, kept on its record so in-use checks, inspect and `rm -v` read it
// back after a stratad restart.

/** The label Docker (23.0+) puts on anonymous volumes; prune removes only these by default. */
export const ANONYMOUS_LABEL = 'com.docker.volume.anonymous';

export interface VolumeRecord {
  /** Immutable: [a-zA-Z0-9][a-zA-Z0-9_.-]+, or 64 hex for an anonymous one. */
  name: string;
  /** Always "local". */
  driver: string;
  labels: Record<string, string>;
  /** The local driver's options: type, device, o (what mount(8) takes). */
  options: Record<string, string>;
  /** RFC 3339 with the host's offset, as Docker prints it. */
  createdAt: string;
}

export type MountType = 'volume' | 'bind' | 'tmpfs';

/** One mount of a container, Docker's MountPoint plus what stratad needs to build the OCI mount. */
export interface MountPoint {
  Type: MountType;
  /** The volume name (volumes only). */
  Name?: string;
  /** Host path: the volume's _data, the bind source; "" for tmpfs. */
  Source: string;
  Destination: string;
  Driver?: string;
  /** What the -v spec said after the paths ("ro", "z", ...); "" for --mount. */
  Mode: string;
  RW: boolean;
  Propagation: string;
  /** Volume made for this container (image VOLUME, `-v /path`): removed by `rm -v` and AutoRemove. */
  anonymous?: boolean;
  /** Copy the image's files at Destination into an empty volume (false for nocopy). */
  copy?: boolean;
  /** tmpfs mount options (size=, mode=, noexec ...). */
  tmpfsOptions?: string[];
}
