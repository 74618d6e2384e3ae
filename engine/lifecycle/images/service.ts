// The image side of strata-lifecycled: images (name -> manifest descriptor)
// built from rootfs tarballs, docker save archives and OCI image layouts, on
// top of the content store and the snapshotter.  Every operation holds a lease
// on what it writes; image rows are committed last, and a collection after each
// operation removes what no image needs (also what a failed operation wrote),
// so a refused layer or archive leaves nothing behind.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { Database } from 'better-sqlite3';

import { stageArchive, readJSON, readBytes, type StagedEntry } from './archive.ts';
import { LocalContentStore } from './content.ts';
import { chainIDs, digestHex, isDigest, sha256Of } from './digest.ts';
import { failedPrecondition, invalidArgument, notFound } from './errors.ts';
import { detectCompression, diffIDOf, short } from './extract.ts';
import { Leases, type Lease } from './leases.ts';
import { normalizeName } from './names.ts';
import { Snapshotter } from './snapshots.ts';
import type { Descriptor, ImageConfigBlob, ImageRecord, ImageRuntimeConfig, ImageService, MountSpec, ReconcileReport, SnapshotInfo } from './types.ts';
import { numericUser, readInRoot, resolveUser, type ResolvedIds } from './users.ts';

export const MEDIA = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  layerTar: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerList: 'application/vnd.docker.distribution.manifest.list.v2+json',
} as const;

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

type Emit = (topic: string, payload: object) => void;

interface LayerRef {
  digest: string;
  diffID: string;
  mediaType: string;
  size: number;
}

interface ImageRow {
  name: string;
  media_type: string;
  digest: string;
  size: number;
  config_digest: string;
  layers: string; // JSON LayerRef[]
  blobs: string; // JSON string[]
  created_at: string;
  labels: string; // JSON
}

/** An image ready to be stored: its blobs are staged files (load) or already in the store (import). */
interface PendingImage {
  names: string[];
  manifest: Descriptor;
  manifestBytes: Buffer;
  config: { digest: string; entry?: StagedEntry; bytes?: Buffer };
  layers: (LayerRef & { entry?: StagedEntry })[];
}

export interface ImageServiceOptions {
  dataRoot: string;
  db: Database;
  events: Emit;
}

export class LocalImageService implements ImageService {
  readonly content: LocalContentStore;
  private readonly snaps: Snapshotter;
  private readonly leases = new Leases();
  private readonly tmp: string;
  private readonly inflightTmp = new Set<string>();
  private readonly resolvedUsers = new Map<string, ResolvedIds>();
  private readonly db: Database;
  private readonly emit: Emit;

  constructor(opts: ImageServiceOptions) {
    this.db = opts.db;
    this.emit = (topic, payload) => {
      try {
        opts.events(topic, payload);
      } catch {
        /* a subscriber's failure is not the operation's */
      }
    };
    mkdirSync(opts.dataRoot, { recursive: true });
    this.tmp = join(opts.dataRoot, 'tmp');
    mkdirSync(this.tmp, { recursive: true });
    this.content = new LocalContentStore(opts.dataRoot, this.db, this.emit);
    this.snaps = Snapshotter.open(opts.dataRoot, this.db, this.emit);
    this.db.exec(`CREATE TABLE IF NOT EXISTS img_images (
      name TEXT PRIMARY KEY,
      media_type TEXT NOT NULL,
      digest TEXT NOT NULL,
      size INTEGER NOT NULL,
      config_digest TEXT NOT NULL,
      layers TEXT NOT NULL,
      blobs TEXT NOT NULL,
      created_at TEXT NOT NULL,
      labels TEXT NOT NULL DEFAULT '{}'
    )`);
  }

  get snapshotter(): 'overlay' | 'copy' {
    return this.snaps.kind;
  }

  // ---- queries

  private rows(): ImageRow[] {
    return this.db.prepare('SELECT * FROM img_images ORDER BY name').all() as ImageRow[];
  }

  private row(name: string): ImageRow | undefined {
    return this.db.prepare('SELECT * FROM img_images WHERE name = ?').get(name) as ImageRow | undefined;
  }

  private mustRow(name: string): ImageRow {
    const n = normalizeName(name);
    const r = this.row(n);
    if (!r) throw notFound(`image ${n}: not found`);
    return r;
  }

  list(): ImageRecord[] {
    return this.rows().map(toRecord);
  }

  get(name: string): ImageRecord | undefined {
    let n: string;
    try {
      n = normalizeName(name);
    } catch {
      return undefined;
    }
    const r = this.row(n);
    return r && toRecord(r);
  }

  async runtimeConfig(name: string): Promise<ImageRuntimeConfig> {
    const r = this.mustRow(name);
    const cfg = parseJSON(this.content.read(r.config_digest), `image ${r.name}: config ${short(r.config_digest)}`);
    const c = obj(obj(cfg).config);
    const env = strings(c.Env);
    return {
      env: env.some((e) => e.startsWith('PATH=')) ? env : [DEFAULT_PATH, ...env],
      entrypoint: strings(c.Entrypoint),
      cmd: strings(c.Cmd),
      workingDir: typeof c.WorkingDir === 'string' ? c.WorkingDir : '',
      user: typeof c.User === 'string' ? c.User : '',
    };
  }

  config(name: string): ImageConfigBlob {
    const r = this.mustRow(name);
    return { digest: r.config_digest, bytes: this.content.read(r.config_digest) };
  }

  /**
   * The user spec's ids in this image (users.ts); names read /etc/passwd and
   * /etc/group from its layers.  Answers are kept per config digest (which
   * names the layers through its diff_ids, so the files cannot change).
   */
  async resolveUser(name: string, user: string): Promise<ResolvedIds> {
    const r = this.mustRow(name);
    const direct = numericUser(user);
    if (direct) return direct;
    const key = `${r.config_digest}\u0000${user}`;
    const hit = this.resolvedUsers.get(key);
    if (hit) return { ...hit, additional_gids: [...hit.additional_gids] };
    const layers = JSON.parse(r.layers) as LayerRef[];
    const ids = await this.withLease(async (lease) => {
      const top = (await this.unpack(layers, lease)).at(-1);
      if (top === undefined) return resolveUser(user, r.name, {});
      const view = await this.snaps.view(top);
      try {
        return resolveUser(user, r.name, { passwd: readInRoot(view.root, '/etc/passwd'), group: readInRoot(view.root, '/etc/group') });
      } finally {
        await view.release();
      }
    });
    if (this.resolvedUsers.size >= 256) this.resolvedUsers.delete(this.resolvedUsers.keys().next().value as string);
    this.resolvedUsers.set(key, ids);
    return { ...ids, additional_gids: [...ids.additional_gids] };
  }

  /** `target` names the same manifest as `source` (a moved tag replaces what it named). */
  async tag(source: string, target: string): Promise<ImageRecord> {
    const r = this.mustRow(source);
    const n = normalizeName(target);
    const replaced = this.row(n) !== undefined;
    const created = new Date().toISOString();
    this.db.transaction(() => {
      this.db
        .prepare('INSERT OR REPLACE INTO img_images (name, media_type, digest, size, config_digest, layers, blobs, created_at, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)')
        .run(n, r.media_type, r.digest, r.size, r.config_digest, r.layers, r.blobs, created, r.labels);
    })();
    const rec = toRecord(this.row(n) as ImageRow);
    this.emit(replaced ? '/images/update' : '/images/create', { name: n, labels: rec.labels });
    if (replaced) this.gc();
    return rec;
  }

  listSnapshots(): SnapshotInfo[] {
    return this.snaps.list();
  }

  mounts(key: string): MountSpec[] {
    return this.snaps.mounts(key);
  }

  snapshotImage(key: string): string | undefined {
    return this.snaps.imageOf(key);
  }

  // ---- operations

  /** Run op under a lease, then collect what no image needs (what a failed op wrote, or a replaced image). */
  private async withLease<T>(op: (lease: Lease) => Promise<T>): Promise<T> {
    const lease = this.leases.create();
    try {
      return await op(lease);
    } finally {
      lease.release();
      this.gc();
    }
  }

  async importRootfs(tarPath: string, name: string): Promise<ImageRecord> {
    const n = normalizeName(name);
    if (!existsSync(tarPath)) throw invalidArgument(`import ${tarPath}: no such file`);
    return this.withLease(async (lease) => {
      const layer = await this.content.ingestFile(tarPath, lease);
      const blob = this.content.path(layer.digest);
      const gz = detectCompression(blob, layer.digest) === 'gzip';
      const diffID = gz ? (await diffIDOf(blob, layer.digest)).diffID : layer.digest;
      const created = new Date().toISOString();
      const config = {
        created,
        architecture: ociArch(),
        os: 'linux',
        config: { Env: [DEFAULT_PATH], Cmd: ['sh'] },
        rootfs: { type: 'layers', diff_ids: [diffID] },
        history: [{ created, created_by: 'strata import', comment: `imported from ${tarPath}` }],
      };
      const configBytes = Buffer.from(JSON.stringify(config));
      const layers: LayerRef[] = [{ digest: layer.digest, diffID, mediaType: gz ? MEDIA.layerGzip : MEDIA.layerTar, size: layer.size }];
      const manifestBytes = manifestFor(sha256Of(configBytes), configBytes.length, layers);
      const [image] = await this.store(
        [{ names: [n], manifest: { mediaType: MEDIA.ociManifest, digest: sha256Of(manifestBytes), size: manifestBytes.length }, manifestBytes, config: { digest: sha256Of(configBytes), bytes: configBytes }, layers }],
        lease,
      );
      return image as ImageRecord;
    });
  }

  async load(tarPath: string): Promise<ImageRecord[]> {
    if (!existsSync(tarPath)) throw invalidArgument(`load ${tarPath}: no such file`);
    return this.withLease(async (lease) => {
      const stage = join(this.tmp, `load-${process.pid}-${randomBytes(6).toString('hex')}`);
      this.inflightTmp.add(stage);
      mkdirSync(stage, { mode: 0o700 });
      try {
        const entries = await stageArchive(tarPath, stage);
        let pending: PendingImage[];
        if (entries.has('manifest.json')) pending = parseDockerSave(entries, tarPath);
        else if (entries.has('oci-layout') || entries.has('index.json')) pending = parseOciLayout(entries, tarPath);
        else throw invalidArgument(`load ${tarPath}: neither a docker save archive (manifest.json) nor an OCI image layout (oci-layout, index.json)`);
        if (pending.length === 0 || pending.every((p) => p.names.length === 0)) {
          throw invalidArgument(`load ${tarPath}: no image in the archive has a name (RepoTags, io.containerd.image.name or org.opencontainers.image.ref.name)`);
        }
        return await this.store(pending.filter((p) => p.names.length > 0), lease);
      } finally {
        rmSync(stage, { recursive: true, force: true });
        this.inflightTmp.delete(stage);
      }
    });
  }

  /** Blobs into the store, layers unpacked, then every image row in one transaction (all or nothing). */
  private async store(pending: PendingImage[], lease: Lease): Promise<ImageRecord[]> {
    for (const p of pending) {
      for (const l of p.layers) {
        if (l.entry) await this.content.ingestFile(l.entry.path, lease, l.digest, l.size);
        else lease.add(l.digest);
      }
      if (p.config.entry) await this.content.ingestFile(p.config.entry.path, lease, p.config.digest, p.config.entry.size);
      else if (p.config.bytes) await this.ingestBytes(p.config.bytes, p.config.digest, lease);
      await this.ingestBytes(p.manifestBytes, p.manifest.digest, lease);
      await this.unpack(p.layers, lease);
    }
    const created = new Date().toISOString();
    const records: ImageRecord[] = [];
    const replaced: string[] = [];
    this.db.transaction(() => {
      const put = this.db.prepare(
        'INSERT OR REPLACE INTO img_images (name, media_type, digest, size, config_digest, layers, blobs, created_at, labels) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
      );
      for (const p of pending) {
        const layers: LayerRef[] = p.layers.map((l) => ({ digest: l.digest, diffID: l.diffID, mediaType: l.mediaType, size: l.size }));
        const blobs = [p.manifest.digest, p.config.digest, ...layers.map((l) => l.digest)];
        this.content.markManaged(blobs);
        for (const name of p.names) {
          if (this.row(name)) replaced.push(name);
          put.run(name, p.manifest.mediaType, p.manifest.digest, p.manifest.size, p.config.digest, JSON.stringify(layers), JSON.stringify(blobs), created, '{}');
          records.push({ name, target: { ...p.manifest }, createdAt: created, labels: {} });
        }
      }
    })();
    for (const r of records) this.emit(replaced.includes(r.name) ? '/images/update' : '/images/create', { name: r.name, labels: {} });
    return records;
  }

  private async ingestBytes(bytes: Buffer, digest: string, lease: Lease): Promise<void> {
    lease.add(digest);
    if (this.content.info(digest)) return;
    const info = await this.content.ingestBuffer(bytes, lease);
    if (info.digest !== digest) throw invalidArgument(`blob ${digest}: content hashes to ${info.digest}`);
  }

  /** Each layer's committed snapshot, by ChainID: unpacked only when missing. */
  private async unpack(layers: LayerRef[], lease: Lease): Promise<string[]> {
    const chain = chainIDs(layers.map((l) => l.diffID));
    for (let i = 0; i < layers.length; i++) {
      const l = layers[i] as LayerRef;
      await this.snaps.commitLayer(chain[i] as string, i === 0 ? '' : (chain[i - 1] as string), { blob: this.content.path(l.digest), digest: l.digest, diffID: l.diffID }, lease);
    }
    return chain;
  }

  async prepareRootfs(name: string, key: string): Promise<MountSpec[]> {
    const r = this.mustRow(name);
    const layers = JSON.parse(r.layers) as LayerRef[];
    return this.withLease(async (lease) => {
      const chain = await this.unpack(layers, lease);
      return this.snaps.prepare(key, chain[chain.length - 1] ?? '', r.name);
    });
  }

  async removeSnapshot(key: string): Promise<void> {
    await this.snaps.remove(key);
    this.gc();
  }

  async remove(name: string): Promise<void> {
    const r = this.mustRow(name);
    const layers = JSON.parse(r.layers) as LayerRef[];
    const top = chainIDs(layers.map((l) => l.diffID)).at(-1) ?? '';
    const sameLayers = this.rows().some((o) => o.name !== r.name && o.layers === r.layers);
    if (!sameLayers) {
      // An active snapshot derives from this image when its parent chain is the image's chain
      // (or, for an image without layers, when it was prepared from this name).
      const users = this.snaps.active().filter((a) => (top !== '' ? a.parent === top : a.image === r.name));
      if (users.length > 0) {
        throw failedPrecondition(`image ${r.name}: in use by snapshot ${users.map((u) => u.key).join(', ')} (remove the container first)`);
      }
    }
    this.db.transaction(() => {
      this.db.prepare('DELETE FROM img_images WHERE name = ?').run(r.name);
    })();
    this.emit('/images/delete', { name: r.name });
    this.gc();
  }

  /** Collect blobs and committed layer snapshots no image, active snapshot or lease needs. */
  private gc(): void {
    const blobs = new Set<string>();
    const chains = new Set<string>();
    for (const r of this.rows()) {
      for (const d of JSON.parse(r.blobs) as string[]) blobs.add(d);
      for (const c of chainIDs((JSON.parse(r.layers) as LayerRef[]).map((l) => l.diffID))) chains.add(c);
    }
    this.snaps.collect((key) => chains.has(key) || this.leases.has(`snapshot:${key}`));
    this.content.collect((d) => blobs.has(d) || this.leases.has(d));
  }

  /**
   * At start, before other calls: the content store's and the snapshotter's
   * files and rows made to agree, image rows whose blobs are gone dropped,
   * staging leftovers removed, then what no image needs collected.
   */
  reconcile(): ReconcileReport {
    const c = this.content.reconcile();
    const s = this.snaps.reconcile();
    const removedFiles = [...c.removedFiles, ...s.removedFiles];
    const removedRows = [...c.removedRows, ...s.removedRows];
    for (const name of readdirSync(this.tmp)) {
      const p = join(this.tmp, name);
      if (this.inflightTmp.has(p)) continue;
      rmSync(p, { recursive: true, force: true });
      removedFiles.push(p);
    }
    for (const r of this.rows()) {
      const missing = (JSON.parse(r.blobs) as string[]).filter((d) => !this.content.info(d));
      if (missing.length === 0) continue;
      this.db.prepare('DELETE FROM img_images WHERE name = ?').run(r.name);
      removedRows.push(`image ${r.name}`);
      this.emit('/images/delete', { name: r.name });
    }
    this.gc();
    return { removedFiles, removedRows };
  }
}

// ---- archive formats

function manifestFor(configDigest: string, configSize: number, layers: LayerRef[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MEDIA.ociManifest,
      config: { mediaType: MEDIA.ociConfig, digest: configDigest, size: configSize },
      layers: layers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })),
    }),
  );
}

/** The config's rootfs.diff_ids, checked to be digests and as many as the layers. */
function diffIDs(config: unknown, layerCount: number, what: string): string[] {
  const rootfs = obj(obj(config).rootfs);
  const ids = rootfs.diff_ids;
  if (!Array.isArray(ids) || !ids.every(isDigest)) throw invalidArgument(`${what}: rootfs.diff_ids is missing or not a list of sha256 digests`);
  if (ids.length !== layerCount) throw invalidArgument(`${what}: ${ids.length} diff_ids for ${layerCount} layers`);
  return ids;
}

function layerMediaType(e: StagedEntry): string {
  return detectCompression(e.path, e.digest) === 'gzip' ? MEDIA.layerGzip : MEDIA.layerTar;
}

/** A staged file whose name carries a digest (blobs/sha256/<hex>, <hex>.json) must hash to it. */
function checkNamedDigest(e: StagedEntry, archive: string): void {
  const m = /(?:^|\/)(?:sha256\/)?([0-9a-f]{64})(?:\.json)?$/.exec(e.name);
  if (m && `sha256:${m[1]}` !== e.digest) {
    throw invalidArgument(`load ${archive}: blob ${e.name}: content hashes to ${e.digest}, not the digest its name says (corrupt or tampered archive; nothing was stored)`);
  }
}

function entry(entries: Map<string, StagedEntry>, path: unknown, archive: string, what: string): StagedEntry {
  if (typeof path !== 'string') throw invalidArgument(`load ${archive}: ${what}: path missing`);
  const e = entries.get(path.replace(/^(\.?\/)+/, ''));
  if (!e) throw invalidArgument(`load ${archive}: ${what} ${path}: not in the archive`);
  return e;
}

export function parseDockerSave(entries: Map<string, StagedEntry>, archive: string): PendingImage[] {
  const manifest = readJSON(entries.get('manifest.json') as StagedEntry, `load ${archive}:`);
  if (!Array.isArray(manifest)) throw invalidArgument(`load ${archive}: manifest.json: want a list of images`);
  for (const e of entries.values()) checkNamedDigest(e, archive);
  return manifest.map((m: unknown, i: number) => {
    const item = obj(m);
    const what = `load ${archive}: manifest.json[${i}]`;
    const configEntry = entry(entries, item.Config, archive, `${what} Config`);
    const config = readJSON(configEntry, `${what} config`);
    if (!Array.isArray(item.Layers)) throw invalidArgument(`${what}: Layers is not a list`);
    const ids = diffIDs(config, item.Layers.length, `${what} config ${configEntry.name}`);
    const layers = item.Layers.map((p: unknown, j: number) => {
      const e = entry(entries, p, archive, `${what} layer`);
      const mediaType = layerMediaType(e);
      const diffID = ids[j] as string;
      if (mediaType === MEDIA.layerTar && e.digest !== diffID) {
        throw invalidArgument(`load ${archive}: layer ${e.name}: content hashes to ${e.digest}, not the diff_id ${diffID} the config names`);
      }
      return { digest: e.digest, diffID, mediaType, size: e.size, entry: e };
    });
    const manifestBytes = manifestFor(configEntry.digest, configEntry.size, layers);
    const names = item.RepoTags === null || item.RepoTags === undefined ? [] : strings(item.RepoTags).map(normalizeName);
    return {
      names,
      manifest: { mediaType: MEDIA.ociManifest, digest: sha256Of(manifestBytes), size: manifestBytes.length },
      manifestBytes,
      config: { digest: configEntry.digest, entry: configEntry },
      layers,
    };
  });
}

export function parseOciLayout(entries: Map<string, StagedEntry>, archive: string): PendingImage[] {
  const layout = entries.get('oci-layout');
  if (!layout || typeof obj(readJSON(layout, `load ${archive}:`)).imageLayoutVersion !== 'string') {
    throw invalidArgument(`load ${archive}: oci-layout is missing or has no imageLayoutVersion`);
  }
  const indexEntry = entries.get('index.json');
  if (!indexEntry) throw invalidArgument(`load ${archive}: index.json is missing`);
  for (const e of entries.values()) checkNamedDigest(e, archive);
  const blob = (d: unknown, what: string): StagedEntry => {
    const desc = obj(d);
    if (!isDigest(desc.digest)) throw invalidArgument(`load ${archive}: ${what}: descriptor without a sha256 digest`);
    const e = entries.get(`blobs/sha256/${digestHex(desc.digest)}`);
    if (!e) throw invalidArgument(`load ${archive}: ${what} ${desc.digest}: blob not in the archive`);
    if (typeof desc.size === 'number' && desc.size !== e.size) throw invalidArgument(`load ${archive}: ${what} ${desc.digest}: ${e.size} bytes, the descriptor says ${desc.size}`);
    return e;
  };
  const out: PendingImage[] = [];
  const visit = (d: unknown, names: string[], depth: number): void => {
    const desc = obj(d);
    const e = blob(desc, 'manifest');
    const doc = obj(readJSON(e, `load ${archive}: blob`));
    const mediaType = typeof desc.mediaType === 'string' ? desc.mediaType : typeof doc.mediaType === 'string' ? doc.mediaType : MEDIA.ociManifest;
    if (mediaType === MEDIA.ociIndex || mediaType === MEDIA.dockerList || Array.isArray(doc.manifests)) {
      if (depth > 4) throw invalidArgument(`load ${archive}: indexes nested too deep`);
      const list = Array.isArray(doc.manifests) ? doc.manifests : [];
      const pick = list.find((m: unknown) => platformMatches(obj(m).platform)) ?? list[0];
      if (pick === undefined) throw invalidArgument(`load ${archive}: index ${desc.digest as string} lists no manifest`);
      visit(pick, names, depth + 1);
      return;
    }
    const configEntry = blob(doc.config, 'config');
    const rawLayers = Array.isArray(doc.layers) ? doc.layers : [];
    const ids = diffIDs(readJSON(configEntry, `load ${archive}: config`), rawLayers.length, `load ${archive}: config ${obj(doc.config).digest as string}`);
    const layers = rawLayers.map((l: unknown, j: number) => {
      const le = blob(l, 'layer');
      return { digest: le.digest, diffID: ids[j] as string, mediaType: typeof obj(l).mediaType === 'string' ? (obj(l).mediaType as string) : layerMediaType(le), size: le.size, entry: le };
    });
    out.push({
      names,
      manifest: { mediaType, digest: e.digest, size: e.size },
      manifestBytes: readBytes(e),
      config: { digest: configEntry.digest, entry: configEntry },
      layers,
    });
  };
  const index = obj(readJSON(indexEntry, `load ${archive}:`));
  if (!Array.isArray(index.manifests)) throw invalidArgument(`load ${archive}: index.json has no manifests list`);
  for (const m of index.manifests) {
    const ann = obj(obj(m).annotations);
    const raw = typeof ann['io.containerd.image.name'] === 'string' ? ann['io.containerd.image.name'] : ann['org.opencontainers.image.ref.name'];
    visit(m, typeof raw === 'string' ? [normalizeName(raw)] : [], 0);
  }
  return out;
}

function platformMatches(p: unknown): boolean {
  const o = obj(p);
  return o.os === 'linux' && o.architecture === ociArch();
}

// ---- small helpers

function ociArch(): string {
  return process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
}

function toRecord(r: ImageRow): ImageRecord {
  return {
    name: r.name,
    target: { mediaType: r.media_type, digest: r.digest, size: r.size },
    createdAt: r.created_at,
    labels: obj(parseJSON(Buffer.from(r.labels), 'labels')) as Record<string, string>,
  };
}

function parseJSON(b: Buffer, what: string): unknown {
  try {
    return JSON.parse(b.toString('utf8')) as unknown;
  } catch {
    throw invalidArgument(`${what}: not valid JSON`);
  }
}

function obj(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}
