// `strata volume ...` and `strata run -v/--mount/--tmpfs` against a real
// stratad: the CLI's own parsing (--mount fields, --tmpfs options) and its
// printing (ls table, -q, inspect -f, prune's report).  No mount is left
// under the engine's temp dir after each test.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { runCommand } from '../helpers/engine.ts';
import { stratadSuite, type Stratad } from '../helpers/stratad.ts';

// STRATA runs the tests against another build of the CLI; by default bin/strata.
const STRATA = process.env.STRATA || join(import.meta.dirname, '..', '..', 'bin', 'strata');

let d: Stratad;
stratadSuite((s) => (d = s));

const strata = (args: string[]) => runCommand(process.execPath, [STRATA, ...args], { env: { ...process.env, STRATA_HOST: d.host } });
async function ok(args: string[]): Promise<string> {
  const r = await strata(args);
  if (r.code !== 0) throw new Error(`strata ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout;
}
const mountsUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p === dir || p.startsWith(`${dir}/`));

afterEach(async () => {
  const ids = (await d.dockerOk(['ps', '-aq'])).split('\n').filter(Boolean);
  if (ids.length) await d.docker(['rm', '-f', '-v', ...ids]);
  const vols = (await d.dockerOk(['volume', 'ls', '-q'])).split('\n').filter(Boolean);
  if (vols.length) await d.docker(['volume', 'rm', '-f', ...vols]);
  expect(mountsUnder(d.engine.dir)).toEqual([]);
});

describe('strata volume', () => {
  it('create, ls, inspect, rm', async () => {
    expect(await ok(['volume', 'create', '--label', 'team=a', 'cv1'])).toBe('cv1\n');
    expect(await ok(['volume', 'create', 'cv2'])).toBe('cv2\n');
    const table = (await ok(['volume', 'ls'])).split('\n');
    expect(table[0]).toMatch(/^DRIVER\s+VOLUME NAME$/);
    expect(table.slice(1).filter(Boolean).map((l) => l.split(/\s+/))).toEqual([['local', 'cv1'], ['local', 'cv2']]);
    expect(await ok(['volume', 'ls', '-q', '-f', 'label=team=a'])).toBe('cv1\n');
    expect(await ok(['volume', 'inspect', '-f', '{{.Mountpoint}} {{.Scope}}', 'cv1'])).toBe(`${join(d.engine.dataRoot, 'volumes', 'cv1', '_data')} local\n`);
    const [v] = JSON.parse(await ok(['volume', 'inspect', 'cv1'])) as { Name: string; Labels: Record<string, string> }[];
    expect(v).toMatchObject({ Name: 'cv1', Labels: { team: 'a' } });
    expect(await ok(['volume', 'rm', 'cv1', 'cv2'])).toBe('cv1\ncv2\n');
    const again = await strata(['volume', 'rm', 'cv1']);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/no such volume/);
    expect((await strata(['volume', 'rm', '-f', 'cv1'])).code).toBe(0);
  });

  it('create with driver options, and a bad option is refused', async () => {
    expect(await ok(['volume', 'create', '-o', 'type=tmpfs', '-o', 'device=tmpfs', '-o', 'o=size=1m', 'tmpv'])).toBe('tmpv\n');
    expect(await ok(['volume', 'inspect', '-f', '{{.Options.type}} {{.Options.o}}', 'tmpv'])).toBe('tmpfs size=1m\n');
    const bad = await strata(['volume', 'create', '-o', 'color=blue', 'badv']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/invalid option key: "color"/);
    expect(await ok(['volume', 'ls', '-q'])).toBe('tmpv\n');
  });

  it('prune removes anonymous volumes, -a the named ones too', async () => {
    await ok(['volume', 'create', 'named']);
    await ok(['run', '--name', 'leaves', '-v', '/anon', 'busybox', 'true']);
    await ok(['rm', 'leaves']);
    const out = await ok(['volume', 'prune', '-f']);
    expect(out).toMatch(/^Deleted Volumes:\n[0-9a-f]{64}\n\nTotal reclaimed space: /);
    expect(await ok(['volume', 'ls', '-q'])).toBe('named\n');
    expect(await ok(['volume', 'prune', '-a', '-f'])).toMatch(/^Deleted Volumes:\nnamed\n/);
    expect(await ok(['volume', 'ls', '-q'])).toBe('');
  });
});

describe('strata run with mounts', () => {
  it('-v NAME:/path carries data; -v /path is removed with --rm', async () => {
    await ok(['run', '--rm', '-v', 'cvol:/d', '-v', '/scratch', 'busybox', 'sh', '-c', 'echo carried > /d/f']);
    expect(await ok(['run', '--rm', '-v', 'cvol:/d:ro', 'busybox', 'cat', '/d/f'])).toBe('carried\n');
    expect(await ok(['volume', 'ls', '-q'])).toBe('cvol\n');
  });

  it('-v HOST:/path:ro is read-only inside', async () => {
    const host = mkdtempSync(join(d.engine.dir, 'clihost-'));
    writeFileSync(join(host, 'f'), 'host file\n');
    const r = await strata(['run', '--rm', '-v', `${host}:/h:ro`, 'busybox', 'sh', '-c', 'cat /h/f; echo x > /h/g']);
    expect(r.stdout).toBe('host file\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.code).toBe(1);
    rmSync(host, { recursive: true, force: true });
  });

  it('--mount type=tmpfs,... and --tmpfs are tmpfs inside; --mount type=volume names a volume', async () => {
    const out = await ok(['run', '--rm', '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m,tmpfs-mode=1770', '--tmpfs', '/r:size=64k', '--mount', 'type=volume,src=mvol,dst=/v,volume-label=x=y',
      'busybox', 'sh', '-c', 'grep -E " /(t|r) " /proc/mounts | cut -d" " -f1-3; stat -c %a /t']);
    expect(out).toBe('tmpfs /t tmpfs\ntmpfs /r tmpfs\n1770\n');
    expect(await ok(['volume', 'inspect', '-f', '{{json .Labels}}', 'mvol'])).toBe('{"x":"y"}\n');
  });

  it('a bad --mount is a usage error; a bad -v is the daemon\'s 400', async () => {
    const usage = await strata(['run', '--rm', '--mount', 'type=volume,dst=/x,colour=red', 'busybox', 'true']);
    expect(usage.code).not.toBe(0);
    expect(usage.stderr).toMatch(/unexpected key 'colour'/);
    const dup = await strata(['run', '--rm', '-v', 'a1:/x', '-v', 'a2:/x', 'busybox', 'true']);
    expect(dup.code).toBe(125);
    expect(dup.stderr).toMatch(/Duplicate mount point: \/x/);
    expect(await ok(['volume', 'ls', '-q'])).toBe('');
    expect(await ok(['ps', '-aq'])).toBe('');
  });
});
