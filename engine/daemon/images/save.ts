// `docker save`: one tar holding both layouts moby 25+ writes
// (image/tarexport/save.go): the OCI image layout (oci-layout, index.json
// with io.containerd.image.name / org.opencontainers.image.ref.name, blobs/)
// and the legacy manifest.json + repositories pointing into the same blobs.
// Blob bytes stream from lifecycled's Content.Read.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack, type Header } from 'tar-stream';

import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { fullRef, type ImageDetails } from './model.ts';

export interface SaveItem {
  image: ImageDetails;
  /** The tags to write for it (empty when it was asked for by ID). */
  tags: string[];
}

const hex = (d: string) => d.replace(/^sha256:/, '');

function header(name: string, size: number, type: Header['type'] = 'file'): Header {
  return { name, size, mode: type === 'directory' ? 0o755 : 0o644, mtime: new Date(0), type, uid: 0, gid: 0, linkname: '', uname: '', gname: '', devmajor: 0, devminor: 0 };
}

export function saveArchive(lc: LifecycleApi, items: SaveItem[]): Readable {
  const pack = tarPack();
  const addBytes = (name: string, data: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry(header(name, data.length), data, (e) => (e ? reject(e) : resolve())));
  const run = async () => {
    await new Promise<void>((resolve, reject) => pack.entry(header('blobs', 0, 'directory'), (e) => (e ? reject(e) : resolve())));
    await new Promise<void>((resolve, reject) => pack.entry(header('blobs/sha256', 0, 'directory'), (e) => (e ? reject(e) : resolve())));
    const written = new Set<string>();
    for (const { image } of items) {
      const blobs = [
        { digest: image.manifestDigest, size: image.manifestSize },
        { digest: image.configDigest, size: image.configSize },
        ...image.layers,
      ];
      for (const { digest, size } of blobs) {
        if (written.has(digest)) continue;
        written.add(digest);
        const entry = pack.entry(header(`blobs/sha256/${hex(digest)}`, size));
        await pipeline(Readable.from(lc.content.read(digest)), entry);
      }
    }
    const index = {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: items.flatMap(({ image, tags }) => {
        const base = { mediaType: image.manifestMediaType || 'application/vnd.oci.image.manifest.v1+json', digest: image.manifestDigest, size: image.manifestSize };
        if (tags.length === 0) return [base];
        return tags.map((t) => ({
          ...base,
          annotations: { 'io.containerd.image.name': fullRef(t), 'org.opencontainers.image.ref.name': t.slice(t.lastIndexOf(':') + 1) },
        }));
      }),
    };
    const manifest = items.map(({ image, tags }) => ({
      Config: `blobs/sha256/${hex(image.configDigest)}`,
      RepoTags: tags.length ? tags : null,
      Layers: image.layers.map((l) => `blobs/sha256/${hex(l.digest)}`),
    }));
    const repositories: Record<string, Record<string, string>> = {};
    for (const { image, tags } of items) {
      const top = image.layers.at(-1);
      for (const t of tags) {
        const i = t.lastIndexOf(':');
        (repositories[t.slice(0, i)] ??= {})[t.slice(i + 1)] = top ? hex(top.digest) : hex(image.configDigest);
      }
    }
    await addBytes('index.json', Buffer.from(JSON.stringify(index)));
    await addBytes('manifest.json', Buffer.from(JSON.stringify(manifest)));
    await addBytes('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    if (Object.keys(repositories).length) await addBytes('repositories', Buffer.from(JSON.stringify(repositories)));
    pack.finalize();
  };
  run().catch((e: unknown) => pack.destroy(e instanceof Error ? e : new Error(String(e))));
  return pack as unknown as Readable;
}
