// The local LifecycleApi: the services the daemon serves over gRPC, as one
// object (the same interface the client implements).  Images, Snapshots and
// Content are thin views over the image side's ImageService.
import { execFileSync } from 'node:child_process';
import { createReadStream, readFileSync } from 'node:fs';
import { join } from 'node:path';

import type { ContentApi, Image, ImagesApi, LifecycleApi, SnapshotsApi, VersionResponse } from './api-types.ts';
import { failedPrecondition, invalidArgument, notFound } from '../errors.ts';
import type { ContainerService } from './containers/service.ts';
import type { EventExchange } from './events/exchange.ts';
import { isDigest } from './images/digest.ts';
import type { ContentStore, ImageRecord, ImageService } from './images/types.ts';
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
    config: async (name) => {
      const c = need(images.config?.bind(images), 'config')(name);
      return { digest: c.digest, config: c.bytes.toString('utf8') };
    },
    resolveUser: async (name, user) => need(images.resolveUser?.bind(images), 'resolve users')(name, user),
    tag: async (source, target) => toImage(await need(images.tag?.bind(images), 'tag')(source, target)),
  };
}

/** An optional ImageService member, bound, or FailedPrecondition naming what is missing. */
function need<F extends (...args: never[]) => unknown>(fn: F | undefined, what: string): F {
  if (!fn) throw failedPrecondition('lifecycled', `this image service cannot ${what}`);
  return fn;
}

const READ_CHUNK = 256 * 1024;

/** Content.Read: the blob's bytes [offset, offset + size) (size 0: to the end), in chunks. */
async function* readBlob(store: ContentStore, digest: string, offset = 0, size = 0): AsyncGenerator<Buffer> {
  if (!isDigest(digest)) throw invalidArgument('lifecycled', `bad digest "${digest}": want sha256:<64 hex>`);
  const info = store.info(digest);
  if (!info) throw notFound('lifecycled', `blob ${digest} not found`);
  if (!Number.isInteger(offset) || offset < 0 || offset > info.size) throw invalidArgument('lifecycled', `blob ${digest}: offset ${offset} is outside its ${info.size} bytes`);
  if (!Number.isInteger(size) || size < 0) throw invalidArgument('lifecycled', `blob ${digest}: bad size ${size}`);
  const end = size > 0 ? Math.min(info.size, offset + size) : info.size;
  if (end <= offset) return;
  for await (const chunk of createReadStream(store.path(digest), { start: offset, end: end - 1, highWaterMark: READ_CHUNK })) yield chunk as Buffer;
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
    read: (digest, offset, size) => readBlob(store(), digest, offset, size),
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
