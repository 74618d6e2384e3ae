// Fixtures for the image-side suites: tar archives built in memory with
// tar-stream (layers, docker save archives, OCI image layouts), mount helpers
// that always unmount, and a tree listing for "nothing left on disk" checks.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { pack, type Header } from 'tar-stream';

import type { MountSpec } from '../../engine/lifecycle/images/index.ts';

export interface TarEntry {
  name: string;
  type?: Header['type'];
  data?: string | Buffer;
  linkname?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  devmajor?: number;
  devminor?: number;
  pax?: Record<string, string>;
}

export async function tarBuffer(entries: TarEntry[]): Promise<Buffer> {
  const p = pack();
  const chunks: Buffer[] = [];
  p.on('data', (c: unknown) => {
    if (Buffer.isBuffer(c)) chunks.push(c);
  });
  const done = new Promise<void>((resolve, reject) => {
    p.on('end', () => resolve());
    p.on('error', reject);
  });
  for (const e of entries) {
    const type = e.type ?? 'file';
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    const header = {
      name: e.name,
      type,
      mode: e.mode ?? (type === 'directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0,
      gid: e.gid ?? 0,
      mtime: new Date('2020-01-02T03:04:05Z'),
      ...(e.linkname !== undefined ? { linkname: e.linkname } : {}),
      ...(e.devmajor !== undefined ? { devmajor: e.devmajor, devminor: e.devminor ?? 0 } : {}),
      ...(e.pax ? { pax: e.pax } : {}),
    };
    await new Promise<void>((resolve, reject) => {
      if (type === 'file') p.entry(header, data, (err) => (err ? reject(err) : resolve()));
      else p.entry({ ...header, size: 0 }, (err) => (err ? reject(err) : resolve())).end(Buffer.alloc(0));
    });
  }
  p.finalize();
  await done;
  return Buffer.concat(chunks);
}

export const sha256 = (b: Buffer | string): string => `sha256:${createHash('sha256').update(b).digest('hex')}`;
const hex = (d: string): string => d.slice('sha256:'.length);

/** Two layers: the second deletes etc/gone (whiteout) and makes opq/ opaque. */
export async function whiteoutLayers(): Promise<[Buffer, Buffer]> {
  const l1 = await tarBuffer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/keep', data: 'keep\n' },
    { name: 'etc/gone', data: 'gone\n' },
    { name: 'opq/', type: 'directory' },
    { name: 'opq/old', data: 'old\n' },
    { name: 'opq/sub/', type: 'directory' },
    { name: 'opq/sub/deep', data: 'deep\n' },
    { name: 'bin/', type: 'directory' },
    { name: 'bin/tool', data: '#!/bin/sh\n', mode: 0o755, uid: 12, gid: 34 },
    { name: 'bin/tool-link', type: 'link', linkname: 'bin/tool' },
    { name: 'bin/sym', type: 'symlink', linkname: '/bin/tool' },
    { name: 'fifo', type: 'fifo' },
  ]);
  const l2 = await tarBuffer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/.wh.gone' },
    { name: 'opq/', type: 'directory' },
    { name: 'opq/.wh..wh..opq' },
    { name: 'opq/new', data: 'new\n' },
  ]);
  return [l1, l2];
}

function imageConfig(layers: Buffer[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: { Env: ['PATH=/bin', 'FOO=bar'], Entrypoint: ['/bin/tool'], Cmd: ['--help'], WorkingDir: '/etc', User: '12:34' },
      rootfs: { type: 'layers', diff_ids: layers.map((l) => sha256(l)) },
    }),
  );
}

/** A `docker save` archive (classic layout: <id>/layer.tar, <config hex>.json, manifest.json). */
export async function dockerSave(file: string, layers: Buffer[], repoTags: string[]): Promise<void> {
  const config = imageConfig(layers);
  const entries: TarEntry[] = [];
  const paths: string[] = [];
  layers.forEach((l, i) => {
    const id = hex(sha256(`layer-id-${i}-${sha256(l)}`));
    entries.push({ name: `${id}/`, type: 'directory' }, { name: `${id}/VERSION`, data: '1.0' }, { name: `${id}/layer.tar`, data: l });
    paths.push(`${id}/layer.tar`);
  });
  const configName = `${hex(sha256(config))}.json`;
  entries.push({ name: configName, data: config });
  entries.push({ name: 'manifest.json', data: JSON.stringify([{ Config: configName, RepoTags: repoTags, Layers: paths }]) });
  writeFileSync(file, await tarBuffer(entries));
}

export interface OciOptions {
  gzip?: boolean;
  /** Replace the bytes of the blob with this digest after naming it (a tampered archive). */
  corrupt?: 'layer0';
}

/** An OCI image layout tarball: oci-layout, index.json (ref.name annotation), blobs/sha256/*. */
export async function ociLayout(file: string, layers: Buffer[], name: string, opts: OciOptions = {}): Promise<void> {
  const config = imageConfig(layers);
  const blobs = layers.map((l) => (opts.gzip ? gzipSync(l) : l));
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      config: { mediaType: 'application/vnd.oci.image.config.v1+json', digest: sha256(config), size: config.length },
      layers: blobs.map((b) => ({ mediaType: `application/vnd.oci.image.layer.v1.tar${opts.gzip ? '+gzip' : ''}`, digest: sha256(b), size: b.length })),
    }),
  );
  const index = {
    schemaVersion: 2,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: [{ mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: sha256(manifest), size: manifest.length, annotations: { 'org.opencontainers.image.ref.name': name } }],
  };
  const entries: TarEntry[] = [
    { name: 'oci-layout', data: JSON.stringify({ imageLayoutVersion: '1.0.0' }) },
    { name: 'index.json', data: JSON.stringify(index) },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
  ];
  for (const b of [config, manifest, ...blobs]) {
    let data = b;
    if (opts.corrupt === 'layer0' && b === blobs[0]) {
      data = Buffer.from(b);
      data[data.length - 1] = (data[data.length - 1] ?? 0) ^ 0xff; // same size, other digest
    }
    entries.push({ name: `blobs/sha256/${hex(sha256(b))}`, data });
  }
  writeFileSync(file, await tarBuffer(entries));
}

/** Every path under root with its type and size, sorted: equal lists mean nothing was left. */
export function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (dir: string, rel: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = lstatSync(p);
      const r = rel ? `${rel}/${name}` : name;
      out.push(`${r} ${st.isDirectory() ? 'dir' : st.isSymbolicLink() ? 'link' : st.size}`);
      if (st.isDirectory()) walk(p, r);
    }
  };
  walk(root, '');
  return out;
}

/** Mount what prepareRootfs returned at target; the returned function unmounts. */
export function mountAll(specs: MountSpec[], target: string): () => void {
  const done: string[] = [];
  for (const m of specs) {
    if (m.type === 'bind') execFileSync('mount', ['--bind', m.source, target]);
    else execFileSync('mount', ['-t', m.type, m.source, '-o', m.options.join(','), target]);
    done.push(target);
  }
  return () => {
    for (const t of done.reverse()) {
      try {
        execFileSync('umount', [t]);
      } catch {
        execFileSync('umount', ['-l', t]);
      }
    }
    done.length = 0;
  };
}
