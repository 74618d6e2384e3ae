// A container's mounts, from the create body to the OCI spec:
//   prepareMounts: resolve the requests (volumes-from, explicit mounts, then
//     anonymous volumes for Config.Volumes and the image's VOLUMEs) into
//     MountPoints.  Every check runs before the first side effect; then host
//     dirs for -v binds, new volumes and option mounts are made, each with
//     its undo registered right after, so a failed create leaves nothing.
//   ociMounts: MountPoints -> OCI mounts, parents before children.
//   mountSummary: Docker's Mounts list for inspect and ps.
import { existsSync, mkdirSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

import { invalidArgument } from '../../errors.ts';
import type { ContainerRecord } from '../containers/types.ts';
import type { MountRequest, MountSpecs } from './mount-spec.ts';
import type { VolumeService } from './service.ts';
import type { MountPoint } from './types.ts';

export interface PreparedMounts {
  points: MountPoint[];
  /** Undo every side effect of prepareMounts (reverse order); never throws. */
  undo(): Promise<void>;
}

export interface MountDeps {
  volumes: VolumeService;
  /** A container by id, name or prefix (404 when missing): for --volumes-from. */
  container(ref: string): ContainerRecord;
}

type Step = () => Promise<void> | void;

function fromVolumesFrom(deps: MountDeps, specs: MountSpecs): MountPoint[] {
  const out: MountPoint[] = [];
  for (const { ref, mode } of specs.volumesFrom) {
    const src = deps.container(ref);
    for (const p of src.mounts ?? []) {
      if (p.Type === 'tmpfs') continue;
      const rw = mode === '' ? p.RW : mode === 'rw';
      // The volume stays the other container's: ours never removes it with -v.
      out.push({ ...p, RW: rw, Mode: mode || p.Mode, anonymous: false, copy: false });
    }
  }
  return out;
}

/** All checks; no side effects.  Returns what to apply. */
function plan(deps: MountDeps, specs: MountSpecs, imageVolumes: string[]): { pending: (MountPoint & { req?: MountRequest })[] } {
  const byDest = new Map<string, MountPoint & { req?: MountRequest }>();
  for (const p of fromVolumesFrom(deps, specs)) byDest.set(p.Destination, p);
  for (const r of specs.explicit) {
    if (r.kind === 'bind') {
      if (!r.createSource && !existsSync(r.source)) throw invalidArgument('stratad', `invalid mount config for type "bind": bind source path does not exist: ${r.source}`);
      byDest.set(r.destination, { Type: 'bind', Source: r.source, Destination: r.destination, Mode: r.mode, RW: r.rw, Propagation: r.propagation, req: r });
    } else if (r.kind === 'tmpfs') {
      byDest.set(r.destination, { Type: 'tmpfs', Source: '', Destination: r.destination, Mode: '', RW: r.rw, Propagation: '', tmpfsOptions: r.options, req: r });
    } else {
      if (r.name && !deps.volumes.find(r.name)) deps.volumes.check({ Name: r.name, DriverOpts: r.driverOpts, Labels: r.labels });
      byDest.set(r.destination, { Type: 'volume', Name: r.name, Source: '', Destination: r.destination, Driver: 'local', Mode: r.mode, RW: r.rw, Propagation: '', anonymous: !r.name, copy: r.copy, req: r });
    }
  }
  for (const dst of [...specs.anonymous, ...imageVolumes]) {
    if (byDest.has(dst)) continue;
    byDest.set(dst, { Type: 'volume', Name: '', Source: '', Destination: dst, Driver: 'local', Mode: '', RW: true, Propagation: '', anonymous: true, copy: true });
  }
  return { pending: [...byDest.values()] };
}

export async function prepareMounts(deps: MountDeps, specs: MountSpecs, imageVolumes: string[]): Promise<PreparedMounts> {
  const { pending } = plan(deps, specs, imageVolumes);
  const undo: Step[] = [];
  const runUndo = async () => {
    for (const step of undo.reverse()) {
      try {
        await step();
      } catch {
        /* best effort: the first error is the one reported */
      }
    }
  };
  const points: MountPoint[] = [];
  try {
    for (const { req, ...p } of pending) {
      if (p.Type === 'bind' && req?.kind === 'bind' && !existsSync(p.Source)) {
        // Docker creates a missing -v host path (not for --mount).
        const first = firstMissing(p.Source);
        mkdirSync(p.Source, { recursive: true, mode: 0o755 });
        undo.push(() => rmSync(first, { recursive: true, force: true }));
      }
      if (p.Type === 'volume' && (req === undefined || req.kind === 'volume') && !p.Source) {
        const v = deps.volumes;
        let rec = p.Name ? v.find(p.Name) : undefined;
        if (!rec) {
          const r = req?.kind === 'volume' ? req : undefined;
          rec = p.Name ? v.create({ Name: p.Name, DriverOpts: r?.driverOpts, Labels: r?.labels }).volume : v.createAnonymous();
          const made = rec;
          undo.push(() => v.removeIfUnused(made.name));
        }
        const mounted = v.driver.isMounted(rec);
        await v.driver.mount(rec);
        const r2 = rec;
        if (!mounted) undo.push(() => v.release(r2.name));
        p.Name = rec.name;
        p.Source = v.driver.mountpoint(rec.name);
      }
      points.push(p);
    }
  } catch (e) {
    await runUndo();
    throw e;
  }
  return { points, undo: runUndo };
}

function firstMissing(path: string): string {
  let p = path;
  while (!existsSync(dirname(p)) && dirname(p) !== p) p = dirname(p);
  return p;
}

const depth = (p: string) => p.split('/').filter(Boolean).length;

/** Docker's default tmpfs flags with the user's on top (later wins, like mount.MergeTmpfsOptions). */
function tmpfsOptions(p: MountPoint): string[] {
  const opposite: Record<string, string> = { exec: 'noexec', noexec: 'exec', suid: 'nosuid', nosuid: 'suid', dev: 'nodev', nodev: 'dev', ro: 'rw', rw: 'ro' };
  const out = new Map<string, string>();
  for (const o of ['noexec', 'nosuid', 'nodev', ...(p.tmpfsOptions ?? []), p.RW ? 'rw' : 'ro']) {
    const key = o.includes('=') ? o.slice(0, o.indexOf('=')) : o;
    const opp = opposite[key];
    if (opp) out.delete(opp);
    out.delete(key);
    out.set(key, o);
  }
  return [...out.values()];
}

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

/** OCI mounts for the points, sorted so a parent is mounted before its children. */
export function ociMounts(points: MountPoint[]): OciMount[] {
  return [...points].sort((a, b) => depth(a.Destination) - depth(b.Destination)).map((p) => {
    if (p.Type === 'tmpfs') return { destination: p.Destination, type: 'tmpfs', source: 'tmpfs', options: tmpfsOptions(p) };
    return { destination: p.Destination, type: 'bind', source: p.Source, options: ['rbind', p.Propagation || 'rprivate', ...(p.RW ? [] : ['ro'])] };
  });
}

/** Docker's MountPoint JSON (inspect's and ps's Mounts). */
export function mountSummary(points: MountPoint[]): object[] {
  return points.map((p) => ({
    Type: p.Type,
    ...(p.Type === 'volume' ? { Name: p.Name ?? '' } : {}),
    Source: p.Source,
    Destination: p.Destination,
    ...(p.Type === 'volume' ? { Driver: p.Driver ?? 'local' } : {}),
    Mode: p.Mode,
    RW: p.RW,
    Propagation: p.Propagation,
  }));
}
