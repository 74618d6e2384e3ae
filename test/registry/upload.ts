// Building images straight into a test registry over HTTP (blobs with POST +
// PUT ?digest=, manifests and indexes with PUT), so the tests control every
// byte: platforms, compression, sizes.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { pack as tarPack } from 'tar-stream';

import { httpRequest } from './registry-server.ts';

export const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

export interface Blob {
  mediaType: string;
  digest: string;
  size: number;
}

/** A layer tar with the given files (path -> content). */
export async function layerTar(files: Record<string, string | Buffer>): Promise<Buffer> {
  const p = tarPack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => chunks.push(c as Buffer));
  const done = new Promise<void>((r) => p.on('end', () => r()));
  for (const [name, content] of Object.entries(files)) {
    await new Promise<void>((resolve, reject) => p.entry({ name, mode: 0o644, mtime: new Date(0) }, content, (e) => (e ? reject(e) : resolve())));
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export function zstdCompress(b: Buffer): Buffer {
  const r = spawnSync('zstd', ['-q', '-c'], { input: b, maxBuffer: 1 << 30 });
  if (r.status !== 0) throw new Error(`zstd: ${r.stderr.toString()}`);
  return r.stdout;
}

export async function putBlob(host: string, repo: string, data: Buffer, mediaType: string, auth?: string): Promise<Blob> {
  const digest = sha256(data);
  const h: Record<string, string> = auth ? { Authorization: auth } : {};
  const start = await httpRequest('POST', `http://${host}/v2/${repo}/blobs/uploads/`, Buffer.alloc(0), h);
  if (start.status !== 202) throw new Error(`POST upload: ${start.status} ${start.body.toString()}`);
  const loc = new URL(String(start.headers.location), `http://${host}`);
  loc.searchParams.set('digest', digest);
  const put = await httpRequest('PUT', loc.toString(), data, { ...h, 'Content-Type': 'application/octet-stream' });
  if (put.status !== 201) throw new Error(`PUT blob: ${put.status} ${put.body.toString()}`);
  return { mediaType, digest, size: data.length };
}

export async function putManifest(host: string, repo: string, ref: string, doc: object, mediaType: string): Promise<Blob> {
  const body = Buffer.from(JSON.stringify(doc));
  const r = await httpRequest('PUT', `http://${host}/v2/${repo}/manifests/${ref}`, body, { 'Content-Type': mediaType });
  if (r.status !== 201) throw new Error(`PUT manifest ${repo}:${ref}: ${r.status} ${r.body.toString()}`);
  return { mediaType, digest: sha256(body), size: body.length };
}

export interface BuiltImage {
  manifest: Blob;
  config: Blob;
  layers: Blob[];
}

/**
 * An OCI image of the given layers (uncompressed tars) for a platform,
 * uploaded; compression "gzip" | "zstd" | "none" for the layer blobs.
 */
export async function pushImage(host: string, repo: string, tag: string, tars: Buffer[], platform: { os: string; architecture: string; variant?: string }, compression: 'gzip' | 'zstd' | 'none' = 'gzip', format: 'oci' | 'docker' = 'oci'): Promise<BuiltImage> {
  const docker = format === 'docker';
  const layers: Blob[] = [];
  for (const t of tars) {
    const data = compression === 'gzip' ? gzipSync(t) : compression === 'zstd' ? zstdCompress(t) : t;
    const mt = docker ? 'application/vnd.docker.image.rootfs.diff.tar.gzip' : `application/vnd.oci.image.layer.v1.tar${compression === 'gzip' ? '+gzip' : compression === 'zstd' ? '+zstd' : ''}`;
    layers.push(await putBlob(host, repo, data, mt));
  }
  const config = {
    architecture: platform.architecture, os: platform.os, ...(platform.variant ? { variant: platform.variant } : {}),
    config: { Cmd: ['sh'], Env: ['PATH=/bin'] },
    rootfs: { type: 'layers', diff_ids: tars.map(sha256) },
    history: tars.map(() => ({ created_by: 'strata test' })),
  };
  const cfg = await putBlob(host, repo, Buffer.from(JSON.stringify(config)), docker ? 'application/vnd.docker.container.image.v1+json' : 'application/vnd.oci.image.config.v1+json');
  const doc = { schemaVersion: 2, mediaType: docker ? 'application/vnd.docker.distribution.manifest.v2+json' : 'application/vnd.oci.image.manifest.v1+json', config: cfg, layers };
  const manifest = await putManifest(host, repo, tag, doc, doc.mediaType);
  return { manifest, config: cfg, layers };
}

export async function pushIndex(host: string, repo: string, tag: string, entries: { manifest: Blob; platform: object }[], format: 'oci' | 'docker' = 'oci'): Promise<Blob> {
  const doc = {
    schemaVersion: 2,
    mediaType: format === 'docker' ? 'application/vnd.docker.distribution.manifest.list.v2+json' : 'application/vnd.oci.image.index.v1+json',
    manifests: entries.map((e) => ({ ...e.manifest, platform: e.platform })),
  };
  return putManifest(host, repo, tag, doc, doc.mediaType);
}
