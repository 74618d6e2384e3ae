// Hostile layer tarballs: each is refused with an error naming the layer, the
// entry and the reason, and leaves nothing on disk (the whole temp tree,
// data root included, is compared before and after) — with the overlay and
// the copy snapshotter.
import Database from 'better-sqlite3';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { createImageService, type ImageService } from '../../engine/lifecycle/images/index.ts';
import { dockerSave, tarBuffer, tree, type TarEntry } from './images-fixtures.ts';

const MARK = `strata-evil-${process.pid}`;

const cases: { what: string; entries: TarEntry[]; error: RegExp }[] = [
  { what: 'traversal ../../etc/x', entries: [{ name: `../../${MARK}`, data: 'x' }], error: /layer sha256:[0-9a-f]{12}: entry \.\.\/\.\.\/strata-evil-\d+: path escapes the layer root/ },
  { what: 'traversal in the middle', entries: [{ name: 'a/../../b', data: 'x' }], error: /entry a\/\.\.\/\.\.\/b: path escapes the layer root/ },
  { what: 'absolute path /etc/x', entries: [{ name: `/etc/${MARK}`, data: 'x' }], error: /entry \/etc\/strata-evil-\d+: path is absolute/ },
  {
    what: 'symlink a -> / then a/etc/x',
    entries: [{ name: 'a', type: 'symlink', linkname: '/' }, { name: `a/etc/${MARK}`, data: 'x' }],
    error: /entry a\/etc\/strata-evil-\d+: path passes through the symlink a/,
  },
  {
    what: 'symlink a -> ../../.. then a/x',
    entries: [{ name: 'd/', type: 'directory' }, { name: 'd/a', type: 'symlink', linkname: '../../..' }, { name: `d/a/${MARK}`, data: 'x' }],
    error: /entry d\/a\/strata-evil-\d+: path passes through the symlink d\/a/,
  },
  {
    what: 'hardlink to ../../etc/shadow',
    entries: [{ name: 'shadow', type: 'link', linkname: '../../etc/shadow' }],
    error: /entry shadow: hardlink to \.\.\/\.\.\/etc\/shadow: target escapes the layer root/,
  },
  {
    what: 'hardlink to an absolute path',
    entries: [{ name: 'shadow', type: 'link', linkname: '/etc/shadow' }],
    error: /entry shadow: hardlink to \/etc\/shadow: target is absolute/,
  },
  {
    what: 'hardlink to a file not in the layer',
    entries: [{ name: 'passwd', type: 'link', linkname: 'etc/passwd' }],
    error: /entry passwd: hardlink to etc\/passwd: the target is not a file of this layer/,
  },
  {
    what: 'char device node',
    entries: [{ name: 'dev/', type: 'directory' }, { name: 'dev/mem', type: 'character-device', devmajor: 1, devminor: 1 }],
    error: /entry dev\/mem: device node \(char 1:1\) is not allowed in a layer/,
  },
  { what: 'block device node', entries: [{ name: 'sda', type: 'block-device', devmajor: 8, devminor: 0 }], error: /entry sda: device node \(block 8:0\)/ },
  { what: '2 MiB pax header', entries: [{ name: 'big', data: 'x', pax: { comment: 'p'.repeat(2 << 20) } }], error: /entry big: pax header of \d+ bytes is larger than 1048576/ },
  { what: '5000-byte name', entries: [{ name: `${'n'.repeat(5000)}`, data: 'x' }], error: /path of 5000 bytes is longer than 4096/ },
  { what: 'absurd size', entries: [{ name: 'huge', data: 'x', pax: { size: '99999999999999999999' } }], error: /entry huge: size 100000000000000000000 is not a sane file size/ },
  { what: 'malformed whiteout', entries: [{ name: '.wh...' }], error: /entry \.wh\.\.\.: malformed whiteout/ },
];

for (const snapshotter of ['overlay', 'copy'] as const) {
  describe(`hostile layers (${snapshotter})`, () => {
    let dir: string;
    let db: Database.Database;
    let svc: ImageService;

    beforeAll(() => {
      process.env.STRATA_SNAPSHOTTER = snapshotter;
      dir = mkdtempSync(join(tmpdir(), 'strata-hostile-'));
      db = new Database(join(dir, 'meta.db'));
      svc = createImageService({ dataRoot: join(dir, 'a', 'b', 'data'), db, events: () => {} });
      expect(svc.snapshotter).toBe(snapshotter);
    });

    afterAll(() => {
      delete process.env.STRATA_SNAPSHOTTER;
      db.close();
      rmSync(dir, { recursive: true, force: true });
    });

    function count(): number {
      return ['content_blobs', 'snap_snapshots', 'img_images'].reduce((n, t) => n + (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n, 0);
    }

    for (const c of cases) {
      it(`refuses ${c.what} and leaves nothing`, async () => {
        const tarFile = join(dir, 'evil.tar');
        writeFileSync(tarFile, await tarBuffer([{ name: 'ok/', type: 'directory' }, { name: 'ok/file', data: 'fine' }, ...c.entries]));
        const before = tree(dir).filter((l) => !l.startsWith('evil.tar ') && !l.startsWith('meta.db'));
        await expect(svc.importRootfs(tarFile, 'evil')).rejects.toThrow(c.error);
        expect(tree(dir).filter((l) => !l.startsWith('evil.tar ') && !l.startsWith('meta.db'))).toEqual(before);
        expect(count()).toBe(0);
        expect(svc.list()).toEqual([]);
        expect(existsSync(`/etc/${MARK}`)).toBe(false);
        expect(existsSync(`/${MARK}`)).toBe(false);
      });
    }

    it('refuses a zstd layer by name', async () => {
      const tarFile = join(dir, 'evil.tar');
      writeFileSync(tarFile, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
      await expect(svc.importRootfs(tarFile, 'evil')).rejects.toThrow(/zstd-compressed layers are not supported \(Node 20 has no zstd\)/);
      expect(count()).toBe(0);
    });

    it('refuses a second layer writing through a symlink of the first', async () => {
      const l1 = await tarBuffer([{ name: 'a', type: 'symlink', linkname: '/' }]);
      const l2 = await tarBuffer([{ name: `a/${MARK}`, data: 'x' }]);
      const file = join(dir, 'evil.tar');
      await dockerSave(file, [l1, l2], ['evil']);
      const before = tree(dir).filter((l) => !l.startsWith('evil.tar ') && !l.startsWith('meta.db'));
      if (snapshotter === 'copy') {
        await expect(svc.load(file)).rejects.toThrow(/entry a\/strata-evil-\d+: path passes through the symlink a/);
        expect(count()).toBe(0);
        expect(tree(dir).filter((l) => !l.startsWith('evil.tar ') && !l.startsWith('meta.db'))).toEqual(before);
      } else {
        // overlay: each layer is unpacked into its own empty dir, so a/ is a plain dir there and
        // the kernel's overlay shows the upper dir over the link: nothing escapes either way.
        await svc.load(file);
        await svc.remove('evil');
        expect(count()).toBe(0);
      }
      expect(existsSync(`/${MARK}`)).toBe(false);
    });
  });
}
