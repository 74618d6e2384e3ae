// An OCI image layout as a tar file, made from blobs already verified in the
// content store: the form the image service's load() stores images from
// (it keeps the manifest bytes, so the pulled manifest digest is the image's).
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { pack as tarPack } from 'tar-stream';

export interface LayoutBlob {
  digest: string;
  size: number;
  /** A file, or the bytes themselves. */
  path?: string;
  bytes?: Buffer;
}

export async function writeLayoutTar(dest: string, manifest: { mediaType: string; digest: string; size: number }, name: string, blobs: LayoutBlob[]): Promise<void> {
  const pack = tarPack();
  const out = pipeline(pack, createWriteStream(dest));
  const put = (entryName: string, b: Buffer) =>
    new Promise<void>((resolve, reject) => pack.entry({ name: entryName, size: b.length, mode: 0o644 }, b, (e) => (e ? reject(e) : resolve())));
  try {
    await put('oci-layout', Buffer.from(JSON.stringify({ imageLayoutVersion: '1.0.0' })));
    const index = { schemaVersion: 2, mediaType: 'application/vnd.oci.image.index.v1+json', manifests: [{ ...manifest, annotations: { 'io.containerd.image.name': name } }] };
    await put('index.json', Buffer.from(JSON.stringify(index)));
    const seen = new Set<string>();
    for (const b of blobs) {
      if (seen.has(b.digest)) continue;
      seen.add(b.digest);
      const entryName = `blobs/sha256/${b.digest.slice(7)}`;
      if (b.bytes) {
        await put(entryName, b.bytes);
        continue;
      }
      await new Promise<void>((resolve, reject) => {
        const sink = pack.entry({ name: entryName, size: b.size, mode: 0o644 }, (e) => (e ? reject(e) : resolve()));
        pipeline(createReadStream(b.path as string), sink).catch(reject);
      });
    }
    pack.finalize();
  } catch (e) {
    pack.destroy(e as Error);
  }
  await out;
}
