// Fault injection: rounds of create / start / kill / delete with
// strata-lifecycled SIGKILLed at a random point (0-300 ms into the round) and
// restarted.  After every restart, and at the end: no mount, cgroup, shim,
// snapshot or database row without its container, and no container lost
// (every create the API acknowledged either still exists or its delete was
// acknowledged, or was in flight when the daemon died: a delete can commit
// and lose only its answer, which is the caller's wish, not a loss).
import Database from 'better-sqlite3';
import { join } from 'node:path';
import { expect, it } from 'vitest';

import { engineSuite, mountsUnder, shims, walkTree, type Client, type Engine } from '../helpers/engine.ts';
import { cgroupDirs, markedProcesses } from '../helpers/leaks.ts';

const ROUNDS = Number(process.env.FAULT_ROUNDS ?? 50);
const MAX_DELAY_MS = 300;

let engine: Engine;
const acknowledgedCreate = new Set<string>();
const acknowledgedDelete = new Set<string>();
/** Deletes sent whose answer may have died with the daemon. */
const deleteInFlight = new Set<string>();

engineSuite((e) => (engine = e));

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * One round's work: create / start / kill / wait / delete, over and over with
 * fresh ids, until a step fails (the daemon dying under it), so every kill
 * lands inside some step.  Returns the step that was interrupted.
 */
async function round(c: Client, prefix: string): Promise<string> {
  for (let j = 0; ; j++) {
    const id = `${prefix}x${j}`;
    let step = 'containers.create';
    try {
      await c.containers.create({ id, image: 'busybox:latest', args: ['sleep', '1000'] });
      acknowledgedCreate.add(id);
      step = 'tasks.create';
      await c.tasks.create({ container_id: id });
      step = 'tasks.start';
      await c.tasks.start({ container_id: id });
      step = 'tasks.kill';
      await c.tasks.kill({ container_id: id, signal: 9 });
      step = 'tasks.wait';
      await c.tasks.wait({ container_id: id });
      step = 'tasks.delete';
      await c.tasks.delete({ container_id: id });
      step = 'containers.delete';
      deleteInFlight.add(id);
      await c.containers.delete(id);
      acknowledgedDelete.add(id);
    } catch {
      return step;
    }
  }
}

/** Ours: ids this suite made. */
const roundId = (s: string) => new RegExp(`${engine.tag}-r\\d+x\\d+`).exec(s)?.[0];

interface Check {
  lost: string[];
  mounts: string[];
  cgroups: string[];
  shims: string[];
  snapshots: string[];
  rows: string[];
  processes: string[];
  /** Directories under the roots named for a container that is gone. */
  dirs: string[];
  stuck: string[];
}

/** Directories down to `depth` under root (not crossing into mounted rootfs). */
function dirsNamed(root: string, depth: number): string[] {
  const out: string[] = [];
  walkTree(root, depth, (p, e) => {
    if (!e.isDirectory()) return false;
    if (!roundId(e.name)) return true;
    out.push(p);
    return false;
  });
  return out;
}

async function check(c: Client): Promise<Check> {
  const containers = new Set((await c.containers.list()).map((x) => x.id));
  const tasks = await c.tasks.list();
  const withTask = new Set(tasks.map((t) => t.container_id));
  const orphan = (id: string | undefined, owners: Set<string>) => id !== undefined && !owners.has(id);
  const rows: string[] = [];
  const db = new Database(join(engine.dataRoot, 'meta.db'), { readonly: true, fileMustExist: true });
  try {
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as { name: string }[];
    for (const { name } of tables) {
      if (/event/i.test(name)) continue; // history names deleted containers on purpose
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const v of Object.values(row)) {
          const id = typeof v === 'string' ? roundId(v) : undefined;
          if (orphan(id, containers)) rows.push(`${name}: ${JSON.stringify(row).slice(0, 160)}`);
        }
      }
    }
  } finally {
    db.close();
  }
  return {
    lost: [...acknowledgedCreate].filter((id) => !acknowledgedDelete.has(id) && !deleteInFlight.has(id) && !containers.has(id)),
    mounts: mountsUnder(engine).filter((m) => orphan(roundId(m), withTask)),
    cgroups: [...cgroupDirs()].filter((d) => orphan(roundId(d), withTask)),
    shims: shims(engine).filter((s) => !containers.has(s.id)).map((s) => `${s.pid} ${s.id}`),
    snapshots: (await c.snapshots.list()).map((s) => s.key).filter((k) => orphan(roundId(k), containers)),
    rows,
    processes: markedProcesses([`${engine.tag}-r`]).filter((p) => orphan(roundId(p.cgroup) ?? roundId(p.cmdline), withTask)).map((p) => `${p.pid} ${p.cmdline}`),
    dirs: dirsNamed(engine.dir, 4).filter((d) => orphan(roundId(d), containers)),
    stuck: tasks.filter((t) => t.status === 'creating').map((t) => t.container_id),
  };
}

const clean: Check = { lost: [], mounts: [], cgroups: [], shims: [], snapshots: [], rows: [], processes: [], dirs: [], stuck: [] };

/** Remove what earlier rounds left, through the API (that is also recovery under test). */
async function removeLeftovers(c: Client): Promise<void> {
  for (const t of await c.tasks.list()) {
    if (!roundId(t.container_id)) continue;
    if (t.status !== 'stopped') {
      await c.tasks.kill({ container_id: t.container_id, signal: 9, all: true }).catch(() => undefined);
      await c.tasks.wait({ container_id: t.container_id });
    }
    await c.tasks.delete({ container_id: t.container_id });
  }
  for (const x of await c.containers.list()) {
    if (!roundId(x.id)) continue;
    await c.containers.delete(x.id);
    acknowledgedDelete.add(x.id);
  }
}

it(`survives SIGKILL at random points of ${ROUNDS} create/start/delete rounds`, async () => {
  const steps = new Map<string, number>();
  for (let i = 0; i < ROUNDS; i++) {
    const c = engine.client();
    const work = round(c, `${engine.tag}-r${i}`);
    await sleep(Math.random() * MAX_DELAY_MS);
    await engine.kill9();
    const reached = await work;
    steps.set(reached, (steps.get(reached) ?? 0) + 1);
    await engine.restart();
    const found = await check(engine.client());
    expect(found, `after round ${i} (killed during ${reached})`).toEqual(clean);
    // Keep the host small: every few rounds delete what is left.
    if (i % 5 === 4) await removeLeftovers(engine.client());
  }
  await removeLeftovers(engine.client());
  expect(await check(engine.client())).toEqual(clean);
  expect((await engine.client().containers.list()).filter((x) => roundId(x.id))).toEqual([]);
  console.log(`fault rounds by the step the kill interrupted: ${JSON.stringify(Object.fromEntries(steps))}`);
}, 180_000);
