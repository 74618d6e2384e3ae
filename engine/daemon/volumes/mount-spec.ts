// The mount requests of a container create body, checked without touching
// anything: -v/Binds ("src:dst[:mode]", "/dst"), HostConfig.Mounts (--mount),
// HostConfig.Tmpfs (--tmpfs), Config.Volumes and HostConfig.VolumesFrom.
// A bad one is a 400 naming the problem (moby volume/mounts/linux_parser.go
// gives the rules: absolute clean destinations, one ro/rw, one z/Z, one
// propagation, nocopy for volumes only, no duplicate mount points).
import { isAbsolute, posix } from 'node:path';

import { invalidArgument } from '../../errors.ts';
import { checkVolumeName } from './service.ts';

export type MountRequest =
  | { kind: 'volume'; name: string; destination: string; rw: boolean; mode: string; copy: boolean; driverOpts: Record<string, string>; labels: Record<string, string> }
  | { kind: 'bind'; source: string; destination: string; rw: boolean; mode: string; propagation: string; createSource: boolean }
  | { kind: 'tmpfs'; destination: string; rw: boolean; options: string[] };

export interface MountSpecs {
  /** Binds, Mounts and Tmpfs: explicit mounts, no two on one destination. */
  explicit: MountRequest[];
  /** Config.Volumes: anonymous volumes unless an explicit mount covers the path. */
  anonymous: string[];
  volumesFrom: { ref: string; mode: '' | 'ro' | 'rw' }[];
}

type Obj = Record<string, unknown>;

const PROPAGATION = ['private', 'rprivate', 'shared', 'rshared', 'slave', 'rslave'];
const CONSISTENCY = ['consistent', 'cached', 'delegated'];
const TMPFS_FLAGS = ['ro', 'rw', 'exec', 'noexec', 'suid', 'nosuid', 'dev', 'nodev', 'atime', 'noatime', 'relatime', 'strictatime', 'diratime', 'nodiratime', 'sync', 'async', 'dirsync', 'mand', 'nomand'];
const TMPFS_KEYS = ['size', 'mode', 'uid', 'gid', 'nr_inodes', 'nr_blocks', 'mpol', 'huge'];

const bad = (msg: string) => invalidArgument('stratad', msg);
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

function checkDestination(dst: string, type: string, context: string): string {
  if (!isAbsolute(dst)) throw bad(`${context}invalid mount config for type "${type}": invalid mount path: '${dst}' mount path must be absolute`);
  const clean = posix.normalize(dst).replace(/(.)\/$/, '$1');
  if (clean === '/') throw bad(`${context}invalid specification: destination can't be '/'`);
  return clean;
}

/** -v "src:dst[:mode]" or "/dst" (an anonymous volume). */
export function parseBindSpec(spec: string): MountRequest {
  const invalid = () => bad(`invalid volume specification: '${spec}'`);
  const parts = spec.split(':');
  if (parts.length > 3 || parts.some((p) => p === '')) throw invalid();
  const ctx = `invalid volume specification: '${spec}': `;
  if (parts.length === 1) {
    return { kind: 'volume', name: '', destination: checkDestination(spec, 'volume', ctx), rw: true, mode: '', copy: true, driverOpts: {}, labels: {} };
  }
  const [source = '', dst = '', mode = ''] = parts;
  if (parts.length === 2 && validMode(dst)) throw invalid(); // "/foo:rw": a destination cannot carry a mode
  const bind = isAbsolute(source);
  const flags = mode ? mode.split(',') : [];
  let rw = true;
  let propagation = '';
  let copy = true;
  const seen = { rw: 0, label: 0, prop: 0, copy: 0, cons: 0 };
  for (const f of flags) {
    if (f === 'ro' || f === 'rw') (rw = f === 'rw'), seen.rw++;
    else if (f === 'z' || f === 'Z') seen.label++;
    else if (PROPAGATION.includes(f)) (propagation = f), seen.prop++;
    else if (f === 'nocopy') (copy = false), seen.copy++;
    else if (CONSISTENCY.includes(f)) seen.cons++;
    else throw bad(`${ctx}invalid mode: ${mode}`);
  }
  if (Object.values(seen).some((n) => n > 1)) throw bad(`${ctx}invalid mode: ${mode}`);
  const type = bind ? 'bind' : 'volume';
  const destination = checkDestination(dst, type, ctx);
  if (bind) {
    if (!copy) throw bad(`${ctx}invalid mode: ${mode}: nocopy is for volumes only`);
    return { kind: 'bind', source: posix.normalize(source), destination, rw, mode, propagation: propagation || 'rprivate', createSource: true };
  }
  if (propagation) throw bad(`${ctx}invalid mode: ${mode}: propagation is for bind mounts only`);
  checkVolumeName(source);
  return { kind: 'volume', name: source, destination, rw, mode: mode || 'z', copy, driverOpts: {}, labels: {} };
}

function strField(o: Obj, k: string, where: string): string {
  const v = o[k];
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw bad(`invalid ${where}.${k}: expected a string`);
  return v;
}

function strMapField(o: Obj, k: string, where: string): Record<string, string> {
  const v = o[k];
  if (v === undefined || v === null) return {};
  if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'string')) throw bad(`invalid ${where}.${k}: expected a map of strings`);
  return v as Record<string, string>;
}

/** One HostConfig.Mounts entry (what `--mount type=...,src=,dst=` sends). */
export function parseMountObject(m: unknown, i: number): MountRequest {
  const where = `HostConfig.Mounts[${i}]`;
  if (!isObj(m)) throw bad(`invalid ${where}: expected an object`);
  const type = strField(m, 'Type', where);
  const source = strField(m, 'Source', where);
  const target = strField(m, 'Target', where);
  const ctx = `invalid mount config for type "${type}": `;
  if (!['bind', 'volume', 'tmpfs'].includes(type)) throw bad(type ? `mount type unknown: "${type}"` : `invalid ${where}: mount type unknown`);
  if (!target) throw bad(`${ctx}field Target must not be empty`);
  if (m.ReadOnly !== undefined && m.ReadOnly !== null && typeof m.ReadOnly !== 'boolean') throw bad(`invalid ${where}.ReadOnly: expected a boolean`);
  const rw = m.ReadOnly !== true;
  const destination = checkDestination(target, type, '');
  for (const [k, t] of [['BindOptions', 'bind'], ['VolumeOptions', 'volume'], ['TmpfsOptions', 'tmpfs']] as const) {
    if (isObj(m[k]) && type !== t) throw bad(`${ctx}${k} must not be specified`);
  }
  if (type === 'bind') {
    if (!source) throw bad(`${ctx}field Source must not be empty`);
    if (!isAbsolute(source)) throw bad(`${ctx}invalid mount path: '${source}' mount path must be absolute`);
    const o = isObj(m.BindOptions) ? m.BindOptions : {};
    const propagation = strField(o, 'Propagation', `${where}.BindOptions`) || 'rprivate';
    if (!PROPAGATION.includes(propagation)) throw bad(`${ctx}invalid propagation mode: ${propagation}`);
    return { kind: 'bind', source: posix.normalize(source), destination, rw, mode: '', propagation, createSource: o.CreateMountpoint === true };
  }
  if (type === 'volume') {
    if (source) checkVolumeName(source);
    const o = isObj(m.VolumeOptions) ? m.VolumeOptions : {};
    if (strField(o, 'Subpath', `${where}.VolumeOptions`)) throw bad(`${ctx}VolumeOptions.Subpath is not supported`);
    const dc = isObj(o.DriverConfig) ? o.DriverConfig : {};
    const driver = strField(dc, 'Name', `${where}.VolumeOptions.DriverConfig`);
    if (driver && driver !== 'local') throw bad(`${ctx}volume driver "${driver}" is not supported: only "local"`);
    return {
      kind: 'volume', name: source, destination, rw, mode: '', copy: o.NoCopy !== true,
      driverOpts: strMapField(dc, 'Options', `${where}.VolumeOptions.DriverConfig`), labels: strMapField(o, 'Labels', `${where}.VolumeOptions`),
    };
  }
  if (source) throw bad(`${ctx}field Source must not be specified`);
  const o = isObj(m.TmpfsOptions) ? m.TmpfsOptions : {};
  const options: string[] = [];
  const size = o.SizeBytes;
  if (size !== undefined && size !== null) {
    if (typeof size !== 'number' || !Number.isInteger(size) || size < 0) throw bad(`${ctx}invalid TmpfsOptions.SizeBytes: ${String(size)}`);
    if (size > 0) options.push(`size=${size}`);
  }
  const mode = o.Mode;
  if (mode !== undefined && mode !== null) {
    if (typeof mode !== 'number' || !Number.isInteger(mode) || mode < 0 || mode > 0o7777) throw bad(`${ctx}invalid TmpfsOptions.Mode: ${String(mode)}`);
    if (mode > 0) options.push(`mode=${mode.toString(8)}`);
  }
  return { kind: 'tmpfs', destination, rw, options };
}

/** --tmpfs "/run:size=64m,mode=1777" as HostConfig.Tmpfs {"/run": "size=64m,mode=1777"}. */
export function parseTmpfsOptions(dst: string, data: string): MountRequest {
  const destination = checkDestination(dst, 'tmpfs', '');
  const options = data ? data.split(',') : [];
  let rw = true;
  for (const o of options) {
    const eq = o.indexOf('=');
    const key = eq < 0 ? o : o.slice(0, eq);
    if (eq < 0 ? !TMPFS_FLAGS.includes(key) : !TMPFS_KEYS.includes(key) || o.length === eq + 1) throw bad(`invalid tmpfs option for ${dst}: unknown option "${o}"`);
    if (key === 'ro') rw = false;
    if (key === 'rw') rw = true;
  }
  return { kind: 'tmpfs', destination, rw, options: options.filter((o) => o !== 'ro' && o !== 'rw') };
}

function validMode(m: string): boolean {
  return m.split(',').every((f) => ['ro', 'rw', 'z', 'Z', 'nocopy', ...PROPAGATION, ...CONSISTENCY].includes(f));
}

/** Everything about mounts in a create body, checked; nothing created. */
export function parseMountSpecs(h: Obj, config: Obj): MountSpecs {
  const explicit: MountRequest[] = [];
  const list = (v: unknown, field: string): unknown[] => {
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) throw bad(`invalid ${field}: expected a list`);
    return v;
  };
  for (const b of list(h.Binds, 'HostConfig.Binds')) {
    if (typeof b !== 'string') throw bad('invalid HostConfig.Binds: expected a list of strings');
    explicit.push(parseBindSpec(b));
  }
  list(h.Mounts, 'HostConfig.Mounts').forEach((m, i) => explicit.push(parseMountObject(m, i)));
  if (h.Tmpfs !== undefined && h.Tmpfs !== null) {
    if (!isObj(h.Tmpfs)) throw bad('invalid HostConfig.Tmpfs: expected a map of strings');
    for (const [dst, data] of Object.entries(h.Tmpfs)) {
      if (typeof data !== 'string') throw bad('invalid HostConfig.Tmpfs: expected a map of strings');
      explicit.push(parseTmpfsOptions(dst, data));
    }
  }
  const seen = new Set<string>();
  for (const r of explicit) {
    if (seen.has(r.destination)) throw bad(`Duplicate mount point: ${r.destination}`);
    seen.add(r.destination);
  }
  const anonymous: string[] = [];
  if (config.Volumes !== undefined && config.Volumes !== null) {
    if (!isObj(config.Volumes)) throw bad('invalid Volumes: expected an object');
    for (const dst of Object.keys(config.Volumes)) anonymous.push(checkDestination(dst, 'volume', `invalid volume specification: '${dst}': `));
  }
  const volumesFrom = list(h.VolumesFrom, 'HostConfig.VolumesFrom').map((v) => {
    if (typeof v !== 'string' || v === '') throw bad('invalid HostConfig.VolumesFrom: expected a list of container names');
    const [ref = '', mode = '', ...rest] = v.split(':');
    if (rest.length || (mode !== '' && mode !== 'ro' && mode !== 'rw')) throw bad(`invalid mode for volumes-from: ${v}`);
    return { ref, mode: mode as '' | 'ro' | 'rw' };
  });
  return { explicit, anonymous, volumesFrom };
}
