// Child process for images-crash.test.ts: loops image operations over a data
// root until the parent SIGKILLs it.  argv: dataRoot dbPath busyboxTar saveTar
import Database from 'better-sqlite3';

import { createImageService } from '../../engine/lifecycle/images/index.ts';

const [dataRoot, dbPath, busybox, save] = process.argv.slice(2) as [string, string, string, string];
const db = new Database(dbPath);
db.pragma('journal_mode = WAL');
const svc = createImageService({ dataRoot, db, events: () => {} });
svc.reconcile();
process.stdout.write('ready\n');
for (let i = 0; ; i++) {
  const name = `img${i % 3}`;
  await svc.importRootfs(busybox, name);
  await svc.load(save);
  await svc.prepareRootfs(name, `c${i}`);
  const w = await svc.content!.writer(`w${i}`);
  await w.write(Buffer.alloc(1000, i));
  await w.close();
  await svc.removeSnapshot(`c${i}`);
  if (i % 2 === 0) await svc.remove(name);
}
