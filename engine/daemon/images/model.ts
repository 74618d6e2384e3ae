// Docker's view of lifecycled's images.  lifecycled knows names -> manifest
// descriptors; the manifest and config blobs come from its content store
// through Content.Read.  Docker's image ID is the config digest, so several
// names over the same config are one image with several RepoTags.
import type { Image, LifecycleApi } from '../../lifecycle/api-types.ts';
import { invalidArgument, isEngineError, notFound } from '../../errors.ts';

export interface LayerDesc {
  mediaType: string;
  digest: string;
  size: number;
}

export interface ImageConfigDoc {
  created?: string;
  author?: string;
  architecture?: string;
  os?: string;
  variant?: string;
  config?: Record<string, unknown>;
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: { created?: string; created_by?: string; comment?: string; empty_layer?: boolean; author?: string }[];
}

export interface ImageDetails {
  /** "sha256:<config digest hex>". */
  id: string;
  /** lifecycled's names of this image ("busybox:latest"). */
  names: string[];
  records: Image[];
  manifestDigest: string;
  manifestMediaType: string;
  manifestSize: number;
  configDigest: string;
  configSize: number;
  config: ImageConfigDoc;
  layers: LayerDesc[];
  size: number;
}

/** Manifests and configs are small; anything past this is not one. */
const MAX_JSON_BLOB = 4 << 20;

async function readBlobJson(lc: LifecycleApi, digest: string): Promise<Record<string, unknown>> {
  if (!/^sha256:[0-9a-f]{64}$/.test(digest)) throw invalidArgument('stratad', `bad digest ${JSON.stringify(digest)}`);
  const parts: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of lc.content.read(digest)) {
      size += chunk.length;
      if (size > MAX_JSON_BLOB) throw invalidArgument('stratad', `blob ${digest}: more than ${MAX_JSON_BLOB} bytes, not a manifest or config`);
      parts.push(chunk);
    }
    return JSON.parse(Buffer.concat(parts).toString('utf8')) as Record<string, unknown>;
  } catch (e) {
    throw notFound('stratad', `blob ${digest}: cannot read it from lifecycled's content store (${e instanceof Error ? e.message : String(e)})`);
  }
}

function desc(v: unknown): LayerDesc {
  const o = (v ?? {}) as Record<string, unknown>;
  return { mediaType: typeof o.mediaType === 'string' ? o.mediaType : '', digest: typeof o.digest === 'string' ? o.digest : '', size: typeof o.size === 'number' ? o.size : 0 };
}

interface Parsed {
  manifestDigest: string;
  manifestMediaType: string;
  manifestSize: number;
  config: LayerDesc;
  layers: LayerDesc[];
  doc: ImageConfigDoc;
}

const parsedCache = new Map<string, Parsed>();

async function parse(lc: LifecycleApi, img: Image): Promise<Parsed> {
  const hit = parsedCache.get(img.target.digest);
  if (hit) return hit;
  let manifest = await readBlobJson(lc, img.target.digest);
  let target = { digest: img.target.digest, mediaType: img.target.media_type, size: Number(img.target.size) };
  if (Array.isArray(manifest.manifests)) {
    // An index: the first entry (lifecycled stores the platform's manifest, so this is rare).
    const first = desc(manifest.manifests[0]);
    manifest = await readBlobJson(lc, first.digest);
    target = first;
  }
  const config = desc(manifest.config);
  const layers = Array.isArray(manifest.layers) ? manifest.layers.map(desc) : [];
  const doc = (await readBlobJson(lc, config.digest)) as ImageConfigDoc;
  const p = { manifestDigest: target.digest, manifestMediaType: target.mediaType, manifestSize: target.size, config, layers, doc };
  parsedCache.set(img.target.digest, p);
  return p;
}

/** Every image, grouped by ID, names sorted. */
export async function allImages(lc: LifecycleApi): Promise<ImageDetails[]> {
  const byId = new Map<string, ImageDetails>();
  for (const img of await lc.images.list()) {
    let p: Parsed;
    try {
      p = await parse(lc, img);
    } catch {
      continue; // a blob went missing under us: skip, lifecycled's reconcile drops the row
    }
    const id = p.config.digest;
    const d = byId.get(id);
    if (d) {
      d.names.push(img.name);
      d.records.push(img);
      continue;
    }
    byId.set(id, {
      id, names: [img.name], records: [img], manifestDigest: p.manifestDigest, manifestMediaType: p.manifestMediaType, manifestSize: p.manifestSize,
      configDigest: p.config.digest, configSize: p.config.size, config: p.doc, layers: p.layers, size: p.layers.reduce((a, l) => a + l.size, 0),
    });
  }
  for (const d of byId.values()) d.names.sort();
  return [...byId.values()];
}

export interface Resolved {
  image: ImageDetails;
  /** The name the reference matched (a tag), or undefined when it named the ID. */
  name?: string;
}

/** A name ("busybox", "busybox:1"), a full or short ID, or a manifest digest; 404 "No such image: x". */
export async function resolveImage(lc: LifecycleApi, ref: string): Promise<Resolved> {
  if (!ref) throw notFound('stratad', 'No such image: ');
  const images = await allImages(lc);
  try {
    const rec = await lc.images.get(ref);
    const image = images.find((i) => i.names.includes(rec.name));
    if (image) return { image, name: rec.name };
  } catch (e) {
    if (!isEngineError(e, 'NotFound') && !isEngineError(e, 'InvalidArgument')) throw e;
  }
  const m = /^(?:sha256:)?([0-9a-f]{1,64})$/.exec(ref);
  if (m) {
    const hex = m[1] as string;
    const hits = images.filter((i) => i.id.slice(7).startsWith(hex) || (ref.startsWith('sha256:') && hex.length === 64 && i.manifestDigest === ref));
    if (hits.length > 1) throw invalidArgument('stratad', `ambiguous image reference ${ref}: matches ${hits.length} images`);
    if (hits[0] && (hex.length >= 4 || ref.startsWith('sha256:'))) return { image: hits[0] };
  }
  throw notFound('stratad', `No such image: ${ref}`);
}

/** "busybox:latest" -> "docker.io/library/busybox:latest" (Docker's full reference, for OCI annotations). */
export function fullRef(name: string): string {
  const first = name.split('/')[0] ?? '';
  const hasRegistry = name.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (hasRegistry) return name;
  return name.includes('/') ? `docker.io/${name}` : `docker.io/library/${name}`;
}

export function unixSeconds(rfc3339: string | undefined, fallback: string): number {
  const t = Date.parse(rfc3339 ?? '') || Date.parse(fallback) || 0;
  return Math.floor(t / 1000);
}

export function forgetParsed(): void {
  parsedCache.clear();
}
