// Hostile layer tarballs through `strata lc images import`: path traversal,
// a write through a symlink that leaves the rootfs, absolute paths, device
// nodes and oversized headers.  Each is refused with a message that says
// what is wrong, and the data root is exactly as it was (no blob, no layer
// dir, no row), with nothing written outside it either.
import { existsSync, lstatSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { engineSuite, type Engine } from '../helpers/engine.ts';

let engine: Engine;
const outside = `/tmp/strata-hostile-${process.pid}`;

// busybox: a real image already there, the refusals must not touch it.
engineSuite((e) => (engine = e));

// Registered after engineSuite's afterAll, so it runs first (hooks unwind as a stack).
afterAll(() => {
  rmSync(outside, { recursive: true, force: true });
});

// ---- a raw ustar writer: hostile archives are what tar(1) refuses to make ----

interface Entry {
  name: string;
  type: '0' | '2' | '3' | '5' | 'x' | 'L';
  data?: Buffer;
  linkname?: string;
  /** The size written in the header, when it should lie. */
  size?: number;
  devmajor?: number;
  devminor?: number;
}

function octal(n: number, width: number): string {
  return `${n.toString(8).padStart(width - 1, '0')}\0`;
}

function header(e: Entry): Buffer {
  const h = Buffer.alloc(512);
  const put = (s: string, off: number, len: number) => h.write(s.slice(0, len), off, len, 'utf8');
  const name = e.name.length > 100 ? e.name.slice(-100) : e.name;
  put(name, 0, 100);
  put(octal(e.type === '5' ? 0o755 : 0o644, 8), 100, 8);
  put(octal(0, 8), 108, 8);
  put(octal(0, 8), 116, 8);
  const size = e.size ?? e.data?.length ?? 0;
  // Sizes past 8 GiB - 1 need base-256; 0o77777777777 is the largest octal one.
  put(size > 0o77777777777 ? octal(0o77777777777, 12) : octal(size, 12), 124, 12);
  put(octal(Math.floor(Date.now() / 1000), 12), 136, 12);
  put('        ', 148, 8);
  put(e.type, 156, 1);
  put(e.linkname ?? '', 157, 100);
  put('ustar\0', 257, 6);
  put('00', 263, 2);
  put(octal(e.devmajor ?? 0, 8), 329, 8);
  put(octal(e.devminor ?? 0, 8), 337, 8);
  let sum = 0;
  for (const b of h) sum += b;
  put(`${sum.toString(8).padStart(6, '0')}\0 `, 148, 8);
  return h;
}

function tarball(file: string, entries: Entry[], opts: { truncate?: boolean } = {}): string {
  const parts: Buffer[] = [];
  for (const e of entries) {
    parts.push(header(e));
    if (e.data) {
      parts.push(e.data);
      const pad = (512 - (e.data.length % 512)) % 512;
      parts.push(Buffer.alloc(pad));
    }
  }
  if (!opts.truncate) parts.push(Buffer.alloc(1024));
  writeFileSync(file, Buffer.concat(parts));
  return file;
}

const file = (name: string, text = 'pwned\n'): Entry => ({ name, type: '0', data: Buffer.from(text) });
const dir = (name: string): Entry => ({ name, type: '5' });

/** Every path under root with its type and size (the database files aside: reads may touch them). */
function tree(root: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (/^meta\.db/.test(name) && d === root) continue;
      const st = lstatSync(p);
      out.push(`${p.slice(root.length)} ${st.isDirectory() ? 'dir' : st.size}`);
      if (st.isDirectory()) walk(p);
    }
  };
  walk(root);
  return out.sort();
}

const cases: { name: string; entries: () => Entry[]; message: RegExp; truncate?: boolean }[] = [
  { name: 'path traversal', entries: () => [dir('etc/'), file(`../../../../../../..${outside}-traversal`)], message: /\.\.|travers|outside/i },
  { name: 'traversal inside a path', entries: () => [dir('bin/'), file(`bin/../../../../../../..${outside}-inner`)], message: /\.\.|travers|outside/i },
  { name: 'symlink escape', entries: () => [{ name: 'escape', type: '2', linkname: `../../../../../../..${outside}` }, file('escape/pwned')], message: /symlink|escape|outside/i },
  { name: 'absolute symlink escape', entries: () => [{ name: 'abs-link', type: '2', linkname: outside }, file('abs-link/pwned')], message: /symlink|escape|outside/i },
  { name: 'absolute path', entries: () => [file(`${outside}-absolute`)], message: /absolute/i },
  { name: 'device node', entries: () => [dir('dev/'), { name: 'dev/evil-mem', type: '3', devmajor: 1, devminor: 1 }], message: /device/i },
  { name: 'oversized pax header', entries: () => [{ name: 'PaxHeaders/big', type: 'x', size: 0o7777777777 }], message: /header|too large|size|truncated/i, truncate: true },
  { name: 'oversized long name', entries: () => [{ name: '././@LongLink', type: 'L', size: 64 * 1024 * 1024 }], message: /header|too large|size|truncated|name/i, truncate: true },
];

describe('hostile layer tarballs', () => {
  for (const c of cases) {
    it(`refuses ${c.name}`, async () => {
      const dataBefore = tree(engine.dataRoot);
      const imagesBefore = await engine.lcOk(['images', 'ls']);
      const tar = tarball(join(engine.dir, 'hostile.tar'), c.entries(), { truncate: c.truncate });
      const r = await engine.lc(['images', 'import', tar, `hostile:${c.name.replace(/\W+/g, '-')}`]);
      rmSync(tar);
      console.log(`${c.name}: ${r.stderr.trim()}`);
      expect(r.code, r.stdout).toBe(1);
      expect(r.stderr).toMatch(/^strata lc: (images|lifecycled): /);
      expect(r.stderr).toMatch(c.message);
      expect(tree(engine.dataRoot)).toEqual(dataBefore);
      expect(await engine.lcOk(['images', 'ls'])).toBe(imagesBefore);
      for (const p of [outside, `${outside}-traversal`, `${outside}-inner`, `${outside}-absolute`]) expect(existsSync(p), p).toBe(false);
    });
  }
});
