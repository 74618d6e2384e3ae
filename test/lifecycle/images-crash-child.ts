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
// Keys carry the pid: an active snapshot a killed round left behind is
// legitimate state, and the next round must not collide with it.
const run = process.pid;
for (let i = 0; ; i++) {
  const name = `img${i % 3}`;
  await svc.importRootfs(busybox, name);
  await svc.load(save);
  await svc.prepareRootfs(name, `c${run}-${i}`);
  const w = await svc.content!.writer(`w${run}-${i}`);
  await w.write(Buffer.alloc(1000, i));
  await w.close();
  await svc.removeSnapshot(`c${run}-${i}`);
  // A snapshot a killed round left on this image keeps it (refusing is right).
  if (i % 2 === 0) await svc.remove(name).catch((e: unknown) => {
    if ((e as { errorClass?: string }).errorClass !== 'FailedPrecondition') throw e;
  });
}
