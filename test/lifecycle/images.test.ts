// The image side of strata-lifecycled on real disk with real overlay mounts:
// import of a busybox rootfs tarball, docker save and OCI layout loads with
// whiteouts and opaque dirs, layers shared between images, digest checks,
// resumable content writes and reconcile after a crash.
import Database from 'better-sqlite3';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, readlinkSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { createImageService, type ContentStore, type ImageService } from '../../engine/lifecycle/images/index.ts';
import { makeBusyboxTarball } from '../helpers/image.ts';
import { dockerSave, mountAll, ociLayout, sha256, tree, whiteoutLayers } from './images-fixtures.ts';

interface Env {
  dir: string;
  dataRoot: string;
  db: Database.Database;
  svc: ImageService & { reconcile(): { removedFiles: string[]; removedRows: string[] } };
  events: { topic: string; payload: object }[];
  unmounts: (() => void)[];
}

let env: Env;

function open(dir: string, dataRoot: string): Env {
  const db = new Database(join(dir, 'meta.db'));
  db.pragma('journal_mode = WAL');
  const events: Env['events'] = [];
  const svc = createImageService({ dataRoot, db, events: (topic, payload) => events.push({ topic, payload }) });
  return { dir, dataRoot, db, svc, events, unmounts: [] };
}

function content(): ContentStore {
  const c = env.svc.content;
  if (!c) throw new Error('no content store');
  return c;
}

function mountPoint(): string {
  const m = join(env.dir, `mnt-${env.unmounts.length}`);
  mkdirSync(m);
  return m;
}

function rows(table: string): number {
  return (env.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
}

beforeEach(() => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-images-'));
  env = open(dir, join(dir, 'data'));
});

afterEach(() => {
  for (const u of env.unmounts.reverse()) u();
  env.db.close();
  rmSync(env.dir, { recursive: true, force: true });
});

describe('images: import and snapshots', () => {
  it('imports the busybox rootfs tarball and mounts it through overlay', async () => {
    expect(env.svc.snapshotter).toBe('overlay');
    const tar = makeBusyboxTarball(join(env.dir, 'busybox.tar'));
    const img = await env.svc.importRootfs(tar, 'busybox');
    expect(img.name).toBe('busybox:latest');
    expect(env.svc.get('docker.io/library/busybox')?.target.digest).toBe(img.target.digest);
    expect(env.svc.list().map((i) => i.name)).toEqual(['busybox:latest']);

    const rc = await env.svc.runtimeConfig('busybox');
    expect(rc.cmd).toEqual(['sh']);
    expect(rc.env[0]).toMatch(/^PATH=/);

    const specs = await env.svc.prepareRootfs('busybox', 'c1');
    expect(specs[0]?.type).toBe('overlay');
    expect(env.svc.mounts('c1')).toEqual(specs);
    const mnt = mountPoint();
    const unmount = mountAll(specs, mnt);
    env.unmounts.push(unmount);
    expect(statSync(join(mnt, 'bin/busybox')).isFile()).toBe(true);
    expect(readlinkSync(join(mnt, 'bin/sh'))).toBe('busybox');
    writeFileSync(join(mnt, 'tmp/hello'), 'hi');
    const upper = (specs[0]?.options.find((o) => o.startsWith('upperdir=')) ?? '').slice('upperdir='.length);
    expect(readFileSync(join(upper, 'tmp/hello'), 'utf8')).toBe('hi');
    unmount();

    await expect(env.svc.remove('busybox')).rejects.toThrow(/in use by snapshot c1/);
    await env.svc.removeSnapshot('c1');
    expect(existsSync(upper)).toBe(false);
    await env.svc.remove('busybox:latest');
    expect(env.svc.list()).toEqual([]);
    // Nothing is referenced any more: blobs and the layer snapshot are collected.
    expect(rows('content_blobs') + rows('snap_snapshots') + rows('img_images')).toBe(0);
    expect(readdirSync(join(env.dataRoot, 'content/blobs/sha256'))).toEqual([]);
    expect(readdirSync(join(env.dataRoot, 'snapshots/overlay'))).toEqual([]);
    const topics = env.events.map((e) => e.topic);
    for (const t of ['/content/create', '/snapshot/commit', '/images/create', '/snapshot/prepare', '/snapshot/remove', '/images/delete', '/content/delete']) {
      expect(topics).toContain(t);
    }
  });

  it('unpacks a layer shared by two images once', async () => {
    const tar = makeBusyboxTarball(join(env.dir, 'busybox.tar'));
    await env.svc.importRootfs(tar, 'one');
    await env.svc.importRootfs(tar, 'two:v2');
    expect(env.events.filter((e) => e.topic === '/snapshot/commit')).toHaveLength(1);
    expect(env.svc.listSnapshots().filter((s) => s.kind === 'committed')).toHaveLength(1);
    await env.svc.prepareRootfs('two:v2', 'c2');
    // The other name keeps the same layers: removing this one is allowed.
    await env.svc.remove('one');
    await expect(env.svc.remove('two:v2')).rejects.toThrow(/in use/);
    await env.svc.removeSnapshot('c2');
    await env.svc.remove('two:v2');
    expect(rows('snap_snapshots')).toBe(0);
  });
});

describe('images: load', () => {
  async function checkWhiteouts(name: string): Promise<void> {
    const specs = await env.svc.prepareRootfs(name, `ctr-${name.replace(/[^a-z0-9]/g, '')}`);
    const mnt = mountPoint();
    const unmount = mountAll(specs, mnt);
    env.unmounts.push(unmount);
    expect(readFileSync(join(mnt, 'etc/keep'), 'utf8')).toBe('keep\n');
    expect(existsSync(join(mnt, 'etc/gone'))).toBe(false);
    expect(readdirSync(join(mnt, 'opq'))).toEqual(['new']);
    const tool = lstatSync(join(mnt, 'bin/tool'));
    expect([tool.uid, tool.gid, tool.mode & 0o7777]).toEqual([12, 34, 0o755]);
    expect(tool.mtime.toISOString()).toBe('2020-01-02T03:04:05.000Z');
    expect(lstatSync(join(mnt, 'bin/tool-link')).ino).toBe(tool.ino);
    expect(readlinkSync(join(mnt, 'bin/sym'))).toBe('/bin/tool');
    expect(lstatSync(join(mnt, 'fifo')).isFIFO()).toBe(true);
    unmount();
  }

  it('loads a docker save archive with a whiteout and an opaque dir', async () => {
    const [l1, l2] = await whiteoutLayers();
    const file = join(env.dir, 'save.tar');
    await dockerSave(file, [l1, l2], ['docker.io/library/wh:1', 'wh-alias']);
    const imgs = await env.svc.load(file);
    expect(imgs.map((i) => i.name).sort()).toEqual(['wh-alias:latest', 'wh:1']);
    const rc = await env.svc.runtimeConfig('wh:1');
    expect(rc).toEqual({ env: ['PATH=/bin', 'FOO=bar'], entrypoint: ['/bin/tool'], cmd: ['--help'], workingDir: '/etc', user: '12:34' });
    await checkWhiteouts('wh:1');
    expect(readdirSync(join(env.dataRoot, 'tmp'))).toEqual([]);
  });

  it('loads an OCI layout (gzip layers) and shares layers with a docker save of the same diffs', async () => {
    const [l1, l2] = await whiteoutLayers();
    await dockerSave(join(env.dir, 'save.tar'), [l1, l2], ['first']);
    await env.svc.load(join(env.dir, 'save.tar'));
    const commits = env.events.filter((e) => e.topic === '/snapshot/commit').length;
    expect(commits).toBe(2);
    await ociLayout(join(env.dir, 'oci.tar'), [l1, l2], 'oci-img:gz', { gzip: true });
    const imgs = await env.svc.load(join(env.dir, 'oci.tar'));
    expect(imgs.map((i) => i.name)).toEqual(['oci-img:gz']);
    // Same diffIDs, same chainIDs: nothing unpacked again.
    expect(env.events.filter((e) => e.topic === '/snapshot/commit').length).toBe(2);
    await checkWhiteouts('oci-img:gz');
  });

  it('applies whiteouts and opaque dirs by deletion with the copy snapshotter', async () => {
    env.db.close();
    process.env.STRATA_SNAPSHOTTER = 'copy';
    try {
      env = { ...open(env.dir, join(env.dir, 'data-copy')), unmounts: env.unmounts };
    } finally {
      delete process.env.STRATA_SNAPSHOTTER;
    }
    expect(env.svc.snapshotter).toBe('copy');
    const [l1, l2] = await whiteoutLayers();
    await dockerSave(join(env.dir, 'save.tar'), [l1, l2], ['copied']);
    await env.svc.load(join(env.dir, 'save.tar'));
    await checkWhiteouts('copied');
    expect(env.svc.mounts('ctr-copied')[0]?.type).toBe('bind');
    await env.svc.removeSnapshot('ctr-copied');
    await env.svc.remove('copied');
    expect(readdirSync(join(env.dataRoot, 'snapshots/copy'))).toEqual([]);
  });

  it('refuses a blob whose content does not match its digest and stores nothing', async () => {
    const [l1, l2] = await whiteoutLayers();
    await ociLayout(join(env.dir, 'bad.tar'), [l1, l2], 'bad', { corrupt: 'layer0' });
    const before = tree(env.dataRoot);
    await expect(env.svc.load(join(env.dir, 'bad.tar'))).rejects.toThrow(/blobs\/sha256\/[0-9a-f]{64}: content hashes to sha256:[0-9a-f]{64}, not the digest its name says/);
    expect(tree(env.dataRoot)).toEqual(before);
    expect(rows('content_blobs') + rows('snap_snapshots') + rows('img_images')).toBe(0);
  });

  it('refuses a docker save layer that does not match its diff_id', async () => {
    const [l1, l2] = await whiteoutLayers();
    const file = join(env.dir, 'save.tar');
    await dockerSave(file, [l1, l2], ['x']);
    // Rewrite the config to name another diff for layer 0.
    const other = Buffer.from(l1);
    other[other.length - 1] = 1;
    await dockerSave(file, [l1, l2], ['x']);
    const before = tree(env.dataRoot);
    const { tarBuffer } = await import('./images-fixtures.ts');
    const evil = await tarBuffer([
      { name: 'abc/layer.tar', data: l1 },
      { name: 'cfg.json', data: JSON.stringify({ rootfs: { type: 'layers', diff_ids: [sha256(other)] } }) },
      { name: 'manifest.json', data: JSON.stringify([{ Config: 'cfg.json', RepoTags: ['x'], Layers: ['abc/layer.tar'] }]) },
    ]);
    writeFileSync(file, evil);
    await expect(env.svc.load(file)).rejects.toThrow(/layer abc\/layer.tar: content hashes to .* not the diff_id/);
    expect(tree(env.dataRoot)).toEqual(before);
  });
});

describe('content store', () => {
  it('resumes a write at its offset and verifies on commit', async () => {
    const data = Buffer.alloc(300_000, 7);
    data.write('strata', 1000);
    const digest = sha256(data);
    const w1 = await content().writer('ref-1', digest, data.length);
    expect(w1.offset).toBe(0);
    await w1.write(data.subarray(0, 120_000));
    await w1.close(); // the client went away
    expect(content().status('ref-1')?.offset).toBe(120_000);
    const w2 = await content().writer('ref-1', digest, data.length);
    expect(w2.offset).toBe(120_000);
    await w2.write(data.subarray(120_000));
    const info = await w2.commit();
    expect(info).toMatchObject({ digest, size: data.length });
    expect(readFileSync(content().path(digest)).equals(data)).toBe(true);
    expect(content().status('ref-1')).toBeUndefined();
    expect(env.events.some((e) => e.topic === '/content/create')).toBe(true);
  });

  it('refuses a commit whose digest does not match and keeps nothing', async () => {
    const before = tree(env.dataRoot);
    const w = await content().writer('ref-2', sha256('something else'), 5);
    await w.write(Buffer.from('hello'));
    await expect(w.commit()).rejects.toThrow(/digest sha256:[0-9a-f]{64} does not match the expected sha256:/);
    expect(tree(env.dataRoot)).toEqual(before);
    expect(rows('content_blobs')).toBe(0);
    const w3 = await content().writer('ref-3', '', 3);
    await expect(w3.write(Buffer.from('toolong'))).rejects.toThrow(/past the expected size 3/);
    await w3.abort();
    expect(tree(env.dataRoot)).toEqual(before);
  });
});

describe('reconcile', () => {
  it('removes what a crash left and keeps what is whole', async () => {
    const tar = makeBusyboxTarball(join(env.dir, 'busybox.tar'));
    await env.svc.importRootfs(tar, 'keep');
    await env.svc.prepareRootfs('keep', 'live');
    const good = tree(env.dataRoot);

    // A crash between renaming a blob into place and committing its row.
    const orphanBlob = join(env.dataRoot, 'content/blobs/sha256', 'a'.repeat(64));
    writeFileSync(orphanBlob, 'orphan');
    // An ingest from before this process started.
    const ingest = join(env.dataRoot, 'content/ingest', 'b'.repeat(64));
    mkdirSync(ingest);
    writeFileSync(join(ingest, 'meta'), JSON.stringify({ ref: 'old', expectedDigest: '', expectedSize: -1 }));
    writeFileSync(join(ingest, 'data'), 'half');
    for (const p of [join(ingest, 'data'), join(ingest, 'meta'), ingest]) utimesSync(p, new Date('2001-01-01'), new Date('2001-01-01'));
    // A snapshot dir whose row was never committed, and a load's staging dir.
    mkdirSync(join(env.dataRoot, 'snapshots/overlay/0123456789abcdef/fs'), { recursive: true });
    mkdirSync(join(env.dataRoot, 'tmp/load-1-abc'), { recursive: true });
    // A row whose blob is gone.
    env.db.prepare('INSERT INTO content_blobs (digest, size, created_at, managed) VALUES (?, 1, ?, 1)').run(`sha256:${'c'.repeat(64)}`, new Date().toISOString());

    // "Restart": a new service over the same data root and database.
    env.db.close();
    env = { ...open(env.dir, env.dataRoot), unmounts: env.unmounts };
    const report = env.svc.reconcile();
    expect(report.removedFiles).toEqual(expect.arrayContaining([orphanBlob, ingest]));
    expect(report.removedRows).toContain(`sha256:${'c'.repeat(64)}`);
    expect(tree(env.dataRoot)).toEqual(good);
    expect(env.svc.get('keep')).toBeDefined();
    expect(env.svc.mounts('live')[0]?.type).toBe('overlay');
    await env.svc.removeSnapshot('live');
  });
});
