// kill -9 in the middle of image operations: after a restart and reconcile(),
// rows and files agree (every blob row has its file and every file its row,
// every snapshot dir its row, every image its blobs) and removing every image
// and snapshot leaves an empty data root.
import Database from 'better-sqlite3';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';

import { createImageService } from '../../engine/lifecycle/images/index.ts';
import { makeBusyboxTarball } from '../helpers/image.ts';
import { dockerSave, whiteoutLayers } from './images-fixtures.ts';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'strata-images-crash-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function runAndKill(args: string[], afterMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'images-crash-child.ts'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.stdout.on('data', () => setTimeout(() => child.kill('SIGKILL'), afterMs));
    child.on('exit', (code, signal) => (signal === 'SIGKILL' ? resolve() : reject(new Error(`child exited ${code}: ${err}`))));
  });
}

it('keeps rows and files in agreement across kill -9', async () => {
  const dataRoot = join(dir, 'data');
  const dbPath = join(dir, 'meta.db');
  const busybox = makeBusyboxTarball(join(dir, 'busybox.tar'));
  const save = join(dir, 'save.tar');
  await dockerSave(save, await whiteoutLayers(), ['saved']);
  for (let round = 0; round < 8; round++) {
    await runAndKill([dataRoot, dbPath, busybox, save], 50 + Math.floor(Math.random() * 400));
  }
  const db = new Database(dbPath);
  try {
    const svc = createImageService({ dataRoot, db, events: () => {} });
    const report = svc.reconcile();
    console.log(`reconcile removed ${report.removedFiles.length} files, ${report.removedRows.length} rows`);
    const blobRows = new Set((db.prepare('SELECT digest FROM content_blobs').all() as { digest: string }[]).map((r) => r.digest.slice(7)));
    expect(new Set(readdirSync(join(dataRoot, 'content/blobs/sha256')))).toEqual(blobRows);
    const snapDirs = (db.prepare('SELECT snapshotter, dir FROM snap_snapshots').all() as { snapshotter: string; dir: string }[]).map((r) => `${r.snapshotter}/${r.dir}`);
    const onDisk = ['overlay', 'copy'].flatMap((k) => readdirSync(join(dataRoot, 'snapshots', k)).map((d) => `${k}/${d}`));
    expect(onDisk.sort()).toEqual(snapDirs.sort());
    for (const s of svc.listSnapshots().filter((x) => x.kind === 'active')) await svc.removeSnapshot(s.key);
    for (const img of svc.list()) {
      await svc.runtimeConfig(img.name); // every image's config blob is there
      await svc.remove(img.name);
    }
    for (const ing of svc.content?.listIngests() ?? []) await svc.content?.abort(ing.ref);
    expect(readdirSync(join(dataRoot, 'content/blobs/sha256'))).toEqual([]);
    expect(readdirSync(join(dataRoot, 'snapshots/overlay'))).toEqual([]);
    expect(readdirSync(join(dataRoot, 'content/ingest'))).toEqual([]);
    expect(existsSync(join(dataRoot, 'tmp')) ? readdirSync(join(dataRoot, 'tmp')) : []).toEqual([]);
  } finally {
    db.close();
  }
});
