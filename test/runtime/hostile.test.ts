// Hostile or broken config.json: the runtime must refuse it cleanly - a
// non-zero exit, a message naming the problem, and nothing left behind (no
// state dir under --root, no cgroup dir, no mount, no process) - and the host
// must stay untouched.
//
// Where runc 1.1.5 accepts a config, the table says so with the reason, and
// the test still checks what runc guarantees (the host is untouched); for
// strata-runtime every case must be refused.
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import type { Bundle } from '../helpers/image.ts';
import { containerCgroupDirs, hostMounts, markedProcesses } from '../helpers/leaks.ts';
import { RUNTIMES, runtimeSuite } from '../helpers/runtime.ts';

/** A refusal: the message must match. An acceptance: why that runtime may accept it. */
type Expectation = { refuse: RegExp } | { accepts: string };

interface HostileCase {
  name: string;
  /** Break the bundle; `outside` is an empty host dir outside the rootfs. */
  prepare(b: Bundle, outside: string): void;
  expect: Record<'strata-runtime' | 'runc', Expectation>;
}

const CASES: HostileCase[] = [
  {
    name: 'config.json that is not JSON',
    prepare: (b) => writeFileSync(join(b.dir, 'config.json'), '{"ociVersion": "1.0.2", bad'),
    expect: {
      'strata-runtime': { refuse: /config\.json/ },
      // runc reports Go's decoder error without naming the file.
      runc: { refuse: /invalid character/ },
    },
  },
  {
    name: 'missing root',
    prepare: (b) => {
      delete (b.spec as Partial<typeof b.spec>).root;
      b.save();
    },
    expect: { 'strata-runtime': { refuse: /root/ }, runc: { refuse: /root must be specified/ } },
  },
  {
    name: 'root.path that does not exist',
    prepare: (b) => {
      b.spec.root.path = 'does-not-exist-rootfs';
      b.save();
    },
    expect: { 'strata-runtime': { refuse: /does-not-exist-rootfs/ }, runc: { refuse: /does-not-exist-rootfs/ } },
  },
  {
    name: 'relative process.cwd',
    prepare: (b) => {
      b.spec.process.cwd = 'tmp';
      b.save();
    },
    expect: { 'strata-runtime': { refuse: /cwd/i }, runc: { refuse: /Cwd must be an absolute path/ } },
  },
  {
    name: 'unknown namespace type',
    prepare: (b) => {
      b.spec.linux.namespaces.push({ type: 'bogus' });
      b.save();
    },
    expect: { 'strata-runtime': { refuse: /bogus/ }, runc: { refuse: /namespace.*bogus.*does not exist/ } },
  },
  {
    name: 'relative mount destination',
    prepare: (b) => {
      b.spec.mounts.push({ destination: 'relative/dest', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      b.save();
    },
    expect: {
      'strata-runtime': { refuse: /relative\/dest|mounts\[\d+\]\.destination/ },
      runc: {
        accepts:
          'runc 1.1.5 only warns ("mount destination not absolute ... will be removed in a future release") and mounts it relative to the container root, inside the rootfs',
      },
    },
  },
  {
    name: 'mount escaping via an absolute symlink',
    prepare: (b, outside) => {
      symlinkSync(outside, join(b.rootfs, 'escape'));
      b.spec.mounts.push({ destination: '/escape/x', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      b.save();
    },
    expect: {
      // Not an escape: like runc, an absolute link is resolved inside the
      // rootfs as a chroot would (images rely on links such as /var/run -> /run),
      // so the tmpfs lands in rootfs/<target>/x; the host checks below hold.
      'strata-runtime': { accepts: 'absolute symlinks resolve inside the rootfs, as in a chroot' },
      runc: {
        accepts: 'runc resolves the symlink inside the rootfs (securejoin), so the tmpfs lands in rootfs/<target>/x, not on the host',
      },
    },
  },
  {
    name: 'mount escaping via a ../.. symlink',
    prepare: (b, outside) => {
      symlinkSync(`${'../'.repeat(12)}${outside.slice(1)}`, join(b.rootfs, 'escape'));
      b.spec.mounts.push({ destination: '/escape/x', type: 'tmpfs', source: 'tmpfs', options: ['size=1m'] });
      b.save();
    },
    expect: {
      'strata-runtime': { refuse: /escape/ },
      runc: { accepts: 'runc clamps ".." at the rootfs while resolving the symlink, so the mount stays inside the rootfs' },
    },
  },
];

describe.each(RUNTIMES)('$name: hostile config.json', (under) => {
  const s = runtimeSuite(under);

  it.each(CASES)('$name', async (c) => {
    const id = s.id('hostile');
    const b = s.bundle(id, { args: ['true'] });
    const outside = join(s.dir, `outside-${id}`);
    mkdirSync(outside);
    try {
      c.prepare(b, outside);
      const r = await s.rt.create(id, b.dir);
      const refused = r.code !== 0;
      const want = c.expect[under.name];
      if ('refuse' in want) {
        // Soft, so an acceptance still gets the host checks below.
        expect.soft(r.code, `accepted: ${r.stderr}`).not.toBe(0);
        if (refused) expect.soft(r.stderr).toMatch(want.refuse);
      } else {
        // Documented acceptance (see the table).
        expect.soft(r.code, r.stderr).toBe(0);
      }
      // The host is untouched, whether the config was refused or not.
      expect(readdirSync(outside), 'host dir outside the rootfs').toEqual([]);
      expect(hostMounts().filter((m) => m.mountPoint.startsWith(outside)).map((m) => m.mountPoint), 'host mounts').toEqual([]);
      if (!refused) expect((await s.rt.delete(id, { force: true })).code).toBe(0);
      // And nothing of the container is left: refused "as if never attempted".
      expect(existsSync(join(s.rt.root, id)), 'state dir under --root').toBe(false);
      expect(hostMounts().filter((m) => m.mountPoint.startsWith(b.dir)).map((m) => m.mountPoint), 'mounts').toEqual([]);
      expect(containerCgroupDirs(s.cgroupsPath(id)), 'cgroup dirs').toEqual([]);
      expect(markedProcesses([id]).map((p) => `${p.pid} ${p.cmdline}`), 'processes').toEqual([]);
    } finally {
      rmSync(outside, { recursive: true, force: true });
    }
  });
});
