// What pull and push need from the rest of strata-lifecycled: the image
// service (load() stores a pulled image; get() finds one to push), its
// content store (verified writes, committed blob files), and where to keep
// temporary files and the blob-source notes used for cross-repository mounts.
import type { ContentStore, ImageService } from '../images/types.ts';
import type { Credentials } from './auth.ts';

export interface RegistryContent extends ContentStore {
  /** Drop committed blobs (what a failed pull wrote). */
  remove?(digests: string[]): void;
}

export interface DistributionDeps {
  images: ImageService;
  content: RegistryContent;
  dataRoot: string;
  /** From --insecure-registry: host:port or host allowed plain HTTP. */
  insecureRegistries: readonly string[];
  log: (msg: string) => void;
}

export interface PullOptions {
  ref: string;
  /** The API's tag (or digest) parameter, applied when ref has neither. */
  tag?: string;
  /** "os/arch[/variant]"; "" for the host's. */
  platform?: string;
  credentials?: Credentials;
  /** Added to the daemon's own list (stratad's --insecure-registry). */
  insecureRegistries?: readonly string[];
  signal?: AbortSignal;
}

export interface PushOptions {
  /** A local image name ("127.0.0.1:5000/app:1"). */
  name: string;
  /** Push only this tag of the repository ("" for the name's own). */
  tag?: string;
  credentials?: Credentials;
  insecureRegistries?: readonly string[];
  signal?: AbortSignal;
}

export interface LoginOptions {
  serverAddress: string;
  credentials: Credentials;
  insecureRegistries?: readonly string[];
}
