// Manifests: fetched by tag or digest with every type we read in Accept,
// verified against the digest asked for (or the one the registry names),
// parsed into an index (platform selection) or an image manifest.
import { createHash } from 'node:crypto';

import { invalidArgument, notFound } from '../../errors.ts';
import { readBody } from './http.ts';
import type { Platform } from './reference.ts';
import type { RegistrySession } from './session.ts';

export const MT = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+prettyjws',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociLayerTar: 'application/vnd.oci.image.layer.v1.tar',
} as const;

export const ACCEPT = [MT.ociIndex, MT.dockerList, MT.ociManifest, MT.dockerManifest].join(', ');

export interface Desc {
  mediaType: string;
  digest: string;
  size: number;
  platform?: Platform;
  urls?: string[];
}

export interface FetchedManifest {
  mediaType: string;
  digest: string;
  bytes: Buffer;
  doc: Record<string, unknown>;
}

export interface ImageManifest {
  config: Desc;
  layers: Desc[];
}

const DIGEST = /^sha256:[0-9a-f]{64}$/;

export function sha256(b: Buffer): string {
  return `sha256:${createHash('sha256').update(b).digest('hex')}`;
}

export async function fetchManifest(s: RegistrySession, repository: string, reference: string, shown = `${repository}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`): Promise<FetchedManifest> {
  const path = `/v2/${repository}/manifests/${reference}`;
  const res = await s.request('GET', path, { headers: { Accept: ACCEPT } });
  if (res.statusCode === 404) {
    await readBody(res).catch(() => undefined);
    throw notFound('lifecycled', `registry ${s.registry}: manifest for ${shown} not found: manifest unknown`);
  }
  if (res.statusCode !== 200) return s.fail(res, `GET manifest ${repository}:${reference}`);
  const bytes = await readBody(res, 4 << 20);
  const digest = sha256(bytes);
  const want = DIGEST.test(reference) ? reference : typeof res.headers['docker-content-digest'] === 'string' ? res.headers['docker-content-digest'] : '';
  if (want && want !== digest) {
    throw invalidArgument('lifecycled', `registry ${s.registry}: manifest ${repository}:${reference} hashes to ${digest}, not ${want}: refused (corrupted or tampered)`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString('utf8'));
  } catch {
    throw invalidArgument('lifecycled', `registry ${s.registry}: manifest ${repository}:${reference} is not JSON`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw invalidArgument('lifecycled', `registry ${s.registry}: manifest ${repository}:${reference} is not a JSON object`);
  const d = doc as Record<string, unknown>;
  const header = (res.headers['content-type'] ?? '').split(';')[0]?.trim() ?? '';
  const mediaType = typeof d.mediaType === 'string' ? d.mediaType : header || (Array.isArray(d.manifests) ? MT.ociIndex : MT.ociManifest);
  if (mediaType === MT.dockerSchema1 || d.schemaVersion === 1) {
    throw invalidArgument('lifecycled', `registry ${s.registry}: ${repository}:${reference} is a Docker schema 1 manifest, which strata does not pull (push it again with a current client)`);
  }
  return { mediaType, digest, bytes, doc: d };
}

export function isIndex(m: FetchedManifest): boolean {
  return m.mediaType === MT.ociIndex || m.mediaType === MT.dockerList || (Array.isArray(m.doc.manifests) && !m.doc.layers);
}

function descOf(v: unknown, what: string): Desc {
  const o = (v ?? {}) as Record<string, unknown>;
  if (typeof o.digest !== 'string' || !DIGEST.test(o.digest)) throw invalidArgument('lifecycled', `${what}: descriptor without a sha256 digest`);
  if (typeof o.size !== 'number' || !Number.isSafeInteger(o.size) || o.size < 0) throw invalidArgument('lifecycled', `${what} ${o.digest}: descriptor without a valid size`);
  const p = o.platform as Record<string, unknown> | undefined;
  return {
    mediaType: typeof o.mediaType === 'string' ? o.mediaType : '',
    digest: o.digest,
    size: o.size,
    ...(p && typeof p.os === 'string' && typeof p.architecture === 'string'
      ? { platform: { os: p.os, architecture: p.architecture, ...(typeof p.variant === 'string' && p.variant ? { variant: p.variant } : {}) } }
      : {}),
    ...(Array.isArray(o.urls) ? { urls: o.urls.filter((u): u is string => typeof u === 'string') } : {}),
  };
}

/** The index entry for the platform: os and architecture must match; a variant, when asked, too (arm64 treats "" as v8). */
export function selectPlatform(index: FetchedManifest, want: Platform, what: string): Desc {
  const list = Array.isArray(index.doc.manifests) ? index.doc.manifests.map((m, i) => descOf(m, `${what} manifests[${i}]`)) : [];
  const norm = (p: Platform) => (p.architecture === 'arm64' && !p.variant ? 'v8' : (p.variant ?? ''));
  const candidates = list.filter((d) => d.platform && d.platform.os === want.os && d.platform.architecture === want.architecture);
  const exact = candidates.find((d) => norm(d.platform as Platform) === norm(want));
  const pick = exact ?? (want.variant ? undefined : candidates[0]) ?? candidates.find((d) => !d.platform?.variant);
  if (!pick) {
    const have = list.map((d) => (d.platform ? [d.platform.os, d.platform.architecture, d.platform.variant].filter(Boolean).join('/') : 'unknown')).join(', ');
    const w = [want.os, want.architecture, want.variant].filter(Boolean).join('/');
    throw notFound('lifecycled', `${what}: no matching manifest for ${w} in the manifest list entries (it has: ${have || 'none'})`);
  }
  return pick;
}

export function imageManifest(m: FetchedManifest, what: string): ImageManifest {
  if (m.mediaType !== MT.ociManifest && m.mediaType !== MT.dockerManifest) throw invalidArgument('lifecycled', `${what}: unsupported manifest type ${m.mediaType}`);
  const layers = Array.isArray(m.doc.layers) ? m.doc.layers.map((l, i) => descOf(l, `${what} layers[${i}]`)) : undefined;
  if (!layers) throw invalidArgument('lifecycled', `${what}: manifest has no layers list`);
  return { config: descOf(m.doc.config, `${what} config`), layers };
}

export type Compression = 'gzip' | 'zstd' | 'none';

/** From the media type; the content is sniffed later by the unpacker as well. */
export function layerCompression(mediaType: string): Compression {
  if (/zstd/.test(mediaType)) return 'zstd';
  if (/gzip/.test(mediaType)) return 'gzip';
  return 'none';
}

export function checkLayerType(d: Desc, what: string): void {
  const ok =
    d.mediaType === '' ||
    /^application\/vnd\.(oci\.image\.layer\.v1\.tar|oci\.image\.layer\.nondistributable\.v1\.tar|docker\.image\.rootfs\.(foreign\.)?diff\.tar)/.test(d.mediaType);
  if (!ok) throw invalidArgument('lifecycled', `${what}: layer ${d.digest} has unsupported media type ${d.mediaType}`);
}
