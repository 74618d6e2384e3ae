// The volume verbs behind /volumes: create (idempotent per name, like
// Docker), get, list with filters, remove (409 while a container uses it),
// prune; and the pieces container create/remove need (ensure, release).
// Which containers use a volume is read from the container records' mount
// points, so it is right after a restart with no refcount of its own.
import { randomBytes } from 'node:crypto';
import { lstatSync, readdirSync } from 'node:fs';
import { join } from 'node:path';

import { conflict, invalidArgument, notFound } from '../../errors.ts';
import { checkLocalOptions, LocalDriver } from './local.ts';
import type { VolumeStore } from './store.ts';
import { ANONYMOUS_LABEL, type VolumeRecord } from './types.ts';

const NAME_RE = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface CreateVolumeRequest {
  Name?: string;
  Driver?: string;
  DriverOpts?: Record<string, string>;
  Labels?: Record<string, string>;
}

/** Docker's Volume object (UsageData only where asked: system df). */
export interface VolumeJson {
  CreatedAt: string;
  Driver: string;
  Labels: Record<string, string> | null;
  Mountpoint: string;
  Name: string;
  Options: Record<string, string> | null;
  Scope: 'local';
  UsageData?: { Size: number; RefCount: number };
}

export function checkVolumeName(name: string): void {
  if (name.length < 2 && /^[a-zA-Z0-9]?$/.test(name)) throw invalidArgument('stratad', `create ${name}: volume name is too short, names should be at least two alphanumeric characters`);
  if (!NAME_RE.test(name)) throw invalidArgument('stratad', `create ${name}: "${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`);
}

/** Bytes in a directory tree, hard links counted once (Docker's directory.Size). */
export function dirSize(dir: string): number {
  const seen = new Set<string>();
  let total = 0;
  const walk = (d: string) => {
    let names: string[];
    try {
      names = readdirSync(d);
    } catch {
      return;
    }
    for (const n of names) {
      const p = join(d, n);
      try {
        const st = lstatSync(p);
        if (st.isDirectory()) walk(p);
        else {
          const key = `${st.dev}:${st.ino}`;
          if (st.nlink > 1 && seen.has(key)) continue;
          seen.add(key);
          total += st.size;
        }
      } catch {
        /* gone meanwhile */
      }
    }
  };
  walk(dir);
  return total;
}

function nowRfc3339(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

export class VolumeService {
  readonly driver: LocalDriver;

  /**
   * usage(): volume name -> ids of the containers whose mount points name it (read once per call);
   * event(action, name): Docker's volume events (create, destroy).
   */
  constructor(private readonly store: VolumeStore, readonly usage: () => Map<string, string[]>, private readonly event: (action: string, name: string) => void = () => undefined) {
    this.driver = new LocalDriver(store.root);
  }

  private users(name: string): string[] {
    return this.usage().get(name) ?? [];
  }

  /** Docker's Volume JSON; with `users` (from usage()) it carries UsageData. */
  present(v: VolumeRecord, users?: Map<string, string[]>): VolumeJson {
    const out: VolumeJson = {
      CreatedAt: v.createdAt, Driver: v.driver, Labels: Object.keys(v.labels).length ? v.labels : null, Mountpoint: this.driver.mountpoint(v.name),
      Name: v.name, Options: Object.keys(v.options).length ? v.options : null, Scope: 'local',
    };
    if (users) out.UsageData = { Size: dirSize(this.driver.mountpoint(v.name)), RefCount: users.get(v.name)?.length ?? 0 };
    return out;
  }

  /** 404 "get NAME: no such volume". */
  get(name: string): VolumeRecord {
    const v = this.store.get(name);
    if (!v) throw notFound('stratad', `get ${name}: no such volume`);
    return v;
  }

  find(name: string): VolumeRecord | undefined {
    return this.store.get(name);
  }

  list(): VolumeRecord[] {
    return this.store.list();
  }

  /** Every volume with its UsageData (system df). */
  listWithUsage(): VolumeJson[] {
    const users = this.usage();
    return this.store.list().map((v) => this.present(v, users));
  }

  /** Check a create request without creating anything. */
  check(req: CreateVolumeRequest): void {
    const driver = req.Driver || 'local';
    if (driver !== 'local') throw notFound('stratad', `create ${req.Name ?? ''}: error looking up volume plugin ${driver}: plugin "${driver}" not found`);
    if (req.Name) checkVolumeName(req.Name);
    checkLocalOptions(req.DriverOpts ?? {});
  }

  /** POST /volumes/create: an existing volume of that name is returned as is (Docker). */
  create(req: CreateVolumeRequest): { volume: VolumeRecord; created: boolean } {
    this.check(req);
    const name = req.Name || randomBytes(32).toString('hex');
    const existing = this.store.get(name);
    if (existing) return { volume: existing, created: false };
    const v: VolumeRecord = { name, driver: 'local', labels: { ...(req.Labels ?? {}) }, options: { ...(req.DriverOpts ?? {}) }, createdAt: nowRfc3339() };
    this.driver.create(name);
    if (!this.store.insert(v)) {
      const other = this.store.get(name);
      if (other) return { volume: other, created: false };
    }
    this.event('create', name);
    return { volume: v, created: true };
  }

  /** An anonymous volume for a container (image VOLUME, `-v /path`, --mount without a source). */
  createAnonymous(): VolumeRecord {
    return this.create({ Labels: { [ANONYMOUS_LABEL]: '' } }).volume;
  }

  /** DELETE /volumes/{name}: force only forgives a missing volume (Docker). */
  async remove(name: string, force: boolean): Promise<void> {
    const v = this.store.get(name);
    if (!v) {
      if (force) return;
      throw notFound('stratad', `get ${name}: no such volume`);
    }
    const users = this.users(name);
    if (users.length) throw conflict('stratad', `remove ${name}: volume is in use - [${users.join(', ')}]`);
    await this.drop(v);
  }

  private async drop(v: VolumeRecord): Promise<void> {
    this.store.delete(v.name);
    try {
      await this.driver.remove(v);
    } catch (e) {
      this.store.insert(v); // keep the row while data is still there
      throw e;
    }
    this.event('destroy', v.name);
  }

  /** Remove a volume no container uses any more, ignoring one that is in use or gone. */
  async removeIfUnused(name: string): Promise<void> {
    const v = this.store.get(name);
    if (v && this.users(name).length === 0) await this.drop(v);
  }

  /** Unmount an option-mounted volume once no container uses it. */
  async release(name: string): Promise<void> {
    const v = this.store.get(name);
    if (v && this.users(name).length === 0) await this.driver.unmount(v);
  }

  async prune(filters: Map<string, string[]>, apiVersion: string): Promise<{ VolumesDeleted: string[] | null; SpaceReclaimed: number }> {
    for (const k of filters.keys()) if (!['label', 'label!', 'all'].includes(k)) throw invalidArgument('stratad', `invalid filter '${k}'`);
    const allVals = filters.get('all') ?? [];
    for (const a of allVals) if (!['true', 'false', '1', '0'].includes(a)) throw invalidArgument('stratad', `invalid filter 'all=${a}'`);
    // API 1.42 made prune take anonymous volumes only unless all=true.
    const all = allVals.some((a) => a === 'true' || a === '1') || versionBelow(apiVersion, '1.42');
    const deleted: string[] = [];
    let reclaimed = 0;
    const users = this.usage();
    for (const v of this.store.list()) {
      if (!all && !(ANONYMOUS_LABEL in v.labels)) continue;
      if (!(filters.get('label') ?? []).every((l) => matchLabel(v.labels, l))) continue;
      if ((filters.get('label!') ?? []).some((l) => matchLabel(v.labels, l))) continue;
      if (users.get(v.name)?.length) continue;
      const size = dirSize(this.driver.mountpoint(v.name));
      try {
        await this.drop(v);
        deleted.push(v.name);
        reclaimed += size;
      } catch {
        /* kept: it is reported by its absence */
      }
    }
    return { VolumesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed };
  }

  /** At start: unmount option-mounted volumes no container uses (left by a crash). */
  async reconcile(): Promise<void> {
    const users = this.usage();
    for (const v of this.store.list()) if (!users.get(v.name)?.length) await this.driver.unmount(v).catch(() => undefined);
  }
}

export function matchLabel(labels: Record<string, string>, filter: string): boolean {
  const i = filter.indexOf('=');
  if (i < 0) return filter in labels;
  return labels[filter.slice(0, i)] === filter.slice(i + 1);
}

function versionBelow(v: string, than: string): boolean {
  const [a = 0, b = 0] = v.split('.').map(Number);
  const [c = 0, d = 0] = than.split('.').map(Number);
  return a < c || (a === c && b < d);
}
