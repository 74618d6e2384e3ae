// The local LifecycleApi: the services the daemon serves over gRPC, as one
// object (the same interface the client implements).  Images, Snapshots and
// Content are thin views over the image side's ImageService.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ContentApi, Image, ImagesApi, LifecycleApi, SnapshotsApi, VersionResponse } from './api-types.ts';
import { failedPrecondition, notFound } from '../errors.ts';
import type { ContainerService } from './containers/service.ts';
import type { EventExchange } from './events/exchange.ts';
import type { ImageRecord, ImageService } from './images/types.ts';
import { REPO_ROOT } from './paths.ts';
import type { TaskManager } from './tasks/manager.ts';
import { runtimeVersion } from './tasks/runtime-cli.ts';

function toImage(r: ImageRecord): Image {
  return { name: r.name, target: { media_type: r.target.mediaType, digest: r.target.digest, size: r.target.size }, created_at: r.createdAt, labels: r.labels };
}

export function imagesApi(images: ImageService): ImagesApi {
  return {
    import: async (path, name) => toImage(await images.importRootfs(path, name)),
    load: async (path) => (await images.load(path)).map(toImage),
    list: async () => images.list().map(toImage),
    get: async (name) => {
      const r = images.get(name);
      if (!r) throw notFound('lifecycled', `image ${name} not found`);
      return toImage(r);
    },
    remove: (name) => images.remove(name),
  };
}

export function snapshotsApi(images: ImageService, hasContainer: (key: string) => boolean): SnapshotsApi {
  return {
    list: async () => images.listSnapshots().map((s) => ({ key: s.key, parent: s.parent, kind: s.kind, created_at: s.createdAt })),
    mounts: async (key) => images.mounts(key),
    remove: async (key) => {
      if (hasContainer(key)) throw failedPrecondition('lifecycled', `cannot remove snapshot ${key}: container ${key} uses it`);
      await images.removeSnapshot(key);
    },
  };
}

export function contentApi(images: ImageService): ContentApi {
  const store = () => {
    if (!images.content) throw failedPrecondition('lifecycled', 'this image service has no content store');
    return images.content;
  };
  return {
    info: async (digest) => {
      const i = store().info(digest);
      if (!i) throw notFound('lifecycled', `blob ${digest} not found`);
      return { digest: i.digest, size: i.size, created_at: i.createdAt, labels: {} };
    },
    list: async () => store().list().map((i) => ({ digest: i.digest, size: i.size, created_at: i.createdAt, labels: {} })),
    // Blobs go with their images (images rm): a lone delete could break an image.
    delete: async (digest) => {
      throw failedPrecondition('lifecycled', `cannot delete blob ${digest} directly: remove the images that use it`);
    },
  };
}

function packageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : '0.0.0';
  } catch {
    return '0.0.0';
  }
}

function gitRevision(): string {
  try {
    return execFileSync('git', ['-C', REPO_ROOT, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return 'unknown';
  }
}

export interface LocalDeps {
  runtime: string;
  containers: ContainerService;
  tasks: TaskManager;
  events: EventExchange;
  images: ImageService;
  hasContainer: (id: string) => boolean;
}

export function localApi(d: LocalDeps): LifecycleApi {
  const version = packageVersion();
  const revision = gitRevision();
  return {
    version: async (): Promise<VersionResponse> => ({ version, revision, runtime: d.runtime, runtime_version: await runtimeVersion(d.runtime) }),
    containers: d.containers,
    tasks: d.tasks,
    events: { subscribe: (filters, since, signal) => d.events.subscribe(filters ?? [], since, signal) },
    images: imagesApi(d.images),
    snapshots: snapshotsApi(d.images, d.hasContainer),
    content: contentApi(d.images),
  };
}
