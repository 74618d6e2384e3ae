// Volumes through the real docker CLI at stratad: volume create/ls/inspect/
// rm/prune, data carried from one container to the next and across a
// stratad restart, 409 for a volume in use, -v host binds (read-only too),
// --mount type=tmpfs and --tmpfs, anonymous volumes with rm -v and --rm,
// the image's VOLUME copied up into a new volume, and bad specs that get a
// 400 and leave nothing behind.  After each test no mount is left under the
// engine's temp dir.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync, chownSync } from 'node:fs';
import { join } from 'node:path';

import { afterEach, describe, expect, it } from 'vitest';

import { makeBusyboxRootfs } from '../helpers/image.ts';
import { stratadSuite, type Stratad } from '../helpers/stratad.ts';

let d: Stratad;
stratadSuite((s) => (d = s));

const volumesDir = () => join(d.engine.dataRoot, 'volumes');
const mountsUnder = (dir: string) =>
  readFileSync('/proc/self/mountinfo', 'utf8').split('\n').map((l) => l.split(' ')[4] ?? '').filter((p) => p === dir || p.startsWith(`${dir}/`));
const volumeNames = async () => (await d.dockerOk(['volume', 'ls', '-q'])).split('\n').filter(Boolean).sort();
const inspectOne = async <T>(args: string[]) => (JSON.parse(await d.dockerOk(args)) as T[])[0] as T;

interface MountJson { Type: string; Name?: string; Source: string; Destination: string; Driver?: string; Mode: string; RW: boolean; Propagation: string }

afterEach(async () => {
  // Whatever a failed test left: containers first (they hold volumes), then volumes.
  const ids = (await d.dockerOk(['ps', '-aq'])).split('\n').filter(Boolean);
  if (ids.length) await d.docker(['rm', '-f', '-v', ...ids]);
  const vols = await volumeNames();
  if (vols.length) await d.docker(['volume', 'rm', '-f', ...vols]);
  expect(mountsUnder(d.engine.dir)).toEqual([]);
  expect(existsSync(volumesDir()) ? readdirSync(volumesDir()).filter((n) => !n.startsWith('metadata.db')) : []).toEqual([]);
});

describe('docker volume', () => {
  it('create, ls with filters, inspect, rm', async () => {
    expect(await d.dockerOk(['volume', 'create', '--label', 'team=a', 'v1'])).toBe('v1');
    expect(await d.dockerOk(['volume', 'create', 'v1'])).toBe('v1'); // same name: the same volume (Docker)
    expect(await d.dockerOk(['volume', 'create', 'v2'])).toBe('v2');
    const v = await inspectOne<{ Name: string; Driver: string; Mountpoint: string; Scope: string; Labels: Record<string, string>; CreatedAt: string }>(['volume', 'inspect', 'v1']);
    expect(v).toMatchObject({ Name: 'v1', Driver: 'local', Scope: 'local', Labels: { team: 'a' }, Mountpoint: join(volumesDir(), 'v1', '_data') });
    expect(v.CreatedAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$/);
    expect(statSync(v.Mountpoint).isDirectory()).toBe(true);
    expect(await volumeNames()).toEqual(['v1', 'v2']);
    expect(await d.dockerOk(['volume', 'ls', '-q', '--filter', 'label=team=a'])).toBe('v1');
    expect(await d.dockerOk(['volume', 'ls', '-q', '--filter', 'name=2'])).toBe('v2');
    expect(await d.dockerOk(['volume', 'ls', '-q', '--filter', 'driver=local', '--filter', 'dangling=true'])).toBe('v1\nv2');
    expect(await d.dockerOk(['volume', 'ls', '--format', '{{.Driver}} {{.Name}}', '--filter', 'name=v1'])).toBe('local v1');

    await d.dockerOk(['volume', 'rm', 'v1', 'v2']);
    expect(await volumeNames()).toEqual([]);
    expect(existsSync(v.Mountpoint)).toBe(false);
    const gone = await d.docker(['volume', 'inspect', 'v1']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/no such volume/);
    expect((await d.http('DELETE', '/volumes/v1')).status).toBe(404);
    expect((await d.http('DELETE', '/volumes/v1?force=1')).status).toBe(204);
  });

  it('refuses bad names, drivers and options with a 400 and creates nothing', async () => {
    const bad = await d.http('POST', '/volumes/create', JSON.stringify({ Name: 'a b' }));
    expect(bad.status).toBe(400);
    expect(bad.body).toMatch(/invalid characters for a local volume name/);
    const opt = await d.docker(['volume', 'create', '--opt', 'bogus=1', 'vo']);
    expect(opt.code).not.toBe(0);
    expect(opt.stderr).toMatch(/invalid option key: "bogus"/);
    const drv = await d.docker(['volume', 'create', '-d', 'nfs-plugin', 'vd']);
    expect(drv.stderr).toMatch(/plugin "nfs-plugin" not found/);
    expect(await volumeNames()).toEqual([]);
  });

  it('prune takes anonymous volumes only, unless --all', async () => {
    await d.dockerOk(['volume', 'create', 'keepme']);
    await d.dockerOk(['run', '--name', 'anon', '-v', '/scratch', 'busybox', 'true']);
    const [m] = (await inspectOne<{ Mounts: MountJson[] }>(['inspect', 'anon'])).Mounts;
    expect(m?.Name).toMatch(/^[0-9a-f]{64}$/);
    await d.dockerOk(['rm', 'anon']); // without -v: the anonymous volume stays
    expect(await volumeNames()).toEqual([m?.Name, 'keepme'].sort());
    const out = await d.dockerOk(['volume', 'prune', '-f']);
    expect(out).toContain(m?.Name ?? 'x');
    expect(await volumeNames()).toEqual(['keepme']);
    await d.dockerOk(['volume', 'prune', '-a', '-f']);
    expect(await volumeNames()).toEqual([]);
  });

  it('volume create and destroy are Docker events; ps filters by volume', async () => {
    const since = String(Math.floor(Date.now() / 1000) - 1);
    await d.dockerOk(['volume', 'create', 'ev1']);
    await d.dockerOk(['create', '--name', 'evc', '-v', 'ev1:/e', 'busybox', 'true']);
    expect(await d.dockerOk(['ps', '-a', '--format', '{{.Names}}', '--filter', 'volume=ev1'])).toBe('evc');
    expect(await d.dockerOk(['ps', '-a', '--format', '{{.Names}}', '--filter', 'volume=/e'])).toBe('evc');
    expect(await d.dockerOk(['ps', '-a', '--format', '{{.Names}}', '--filter', 'volume=other'])).toBe('');
    await d.dockerOk(['rm', 'evc']);
    await d.dockerOk(['volume', 'rm', 'ev1']);
    const until = String(Math.floor(Date.now() / 1000) + 1);
    const events = await d.dockerOk(['events', '--since', since, '--until', until, '--filter', 'type=volume', '--format', '{{.Action}} {{.Actor.ID}}']);
    expect(events.split('\n').filter((l) => l.endsWith(' ev1'))).toEqual(['create ev1', 'destroy ev1']);
  });

  it('system df counts volumes', async () => {
    await d.dockerOk(['volume', 'create', 'dfv']);
    writeFileSync(join(volumesDir(), 'dfv', '_data', 'blob'), Buffer.alloc(4096, 1));
    const df = JSON.parse((await d.http('GET', '/system/df')).body) as { Volumes: { Name: string; UsageData: { Size: number; RefCount: number } }[] };
    expect(df.Volumes.find((v) => v.Name === 'dfv')?.UsageData).toEqual({ Size: 4096, RefCount: 0 });
    const rows = (await d.dockerOk(['system', 'df', '--format', '{{.Type}}|{{.TotalCount}}|{{.Active}}|{{.Size}}'])).split('\n');
    expect(rows).toContain('Local Volumes|1|0|4.096kB');
  });
});

describe('volumes in containers', () => {
  it('carries data from one container to the next, and shows in inspect and ps', async () => {
    await d.dockerOk(['run', '--rm', '-v', 'data1:/d', 'busybox', 'sh', '-c', 'echo hello > /d/f']);
    expect(await d.dockerOk(['run', '--rm', '-v', 'data1:/d:ro', 'busybox', 'cat', '/d/f'])).toBe('hello');
    await d.dockerOk(['create', '--name', 'holder', '-v', 'data1:/d', 'busybox', 'true']);
    const mounts = (await inspectOne<{ Mounts: MountJson[] }>(['inspect', 'holder'])).Mounts;
    expect(mounts).toEqual([{ Type: 'volume', Name: 'data1', Source: join(volumesDir(), 'data1', '_data'), Destination: '/d', Driver: 'local', Mode: 'z', RW: true, Propagation: '' }]);
    expect(await d.dockerOk(['ps', '-a', '--filter', 'name=holder', '--format', '{{.Mounts}}'])).toBe('data1');
    await d.dockerOk(['rm', 'holder']);
    expect(await volumeNames()).toEqual(['data1']); // named volumes outlive their containers
  });

  it('keeps a volume and its data across a stratad restart', async () => {
    await d.dockerOk(['volume', 'create', '--label', 'k=v', 'durable']);
    await d.dockerOk(['run', '--rm', '-v', 'durable:/d', 'busybox', 'sh', '-c', 'echo kept > /d/f']);
    await d.restart();
    expect(await volumeNames()).toEqual(['durable']);
    expect((await inspectOne<{ Labels: Record<string, string> }>(['volume', 'inspect', 'durable'])).Labels).toEqual({ k: 'v' });
    expect(await d.dockerOk(['run', '--rm', '-v', 'durable:/d', 'busybox', 'cat', '/d/f'])).toBe('kept');
  });

  it('after a kill -9 of stratad, a volume in use stays in use and its option mount is released by rm', async () => {
    await d.dockerOk(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', 'crashv']);
    await d.dockerOk(['run', '-d', '--name', 'crashc', '-v', 'crashv:/t', 'busybox', 'sh', '-c', 'echo in-tmpfs > /t/f; sleep 60']);
    await d.kill9();
    await d.start();
    const mp = join(volumesDir(), 'crashv', '_data');
    expect(mountsUnder(mp)).toEqual([mp]);
    expect((await d.http('DELETE', '/volumes/crashv')).status).toBe(409);
    expect(await d.dockerOk(['exec', 'crashc', 'cat', '/t/f'])).toBe('in-tmpfs');
    await d.dockerOk(['rm', '-f', 'crashc']);
    expect(mountsUnder(mp)).toEqual([]);
    await d.dockerOk(['volume', 'rm', 'crashv']);
  });

  it('refuses to remove a volume in use (409) and keeps its data', async () => {
    await d.dockerOk(['run', '--name', 'user1', '-v', 'busy:/d', 'busybox', 'sh', '-c', 'echo mine > /d/f']);
    const id = await d.dockerOk(['inspect', '-f', '{{.Id}}', 'user1']);
    const r = await d.http('DELETE', '/volumes/busy');
    expect(r.status).toBe(409);
    expect(JSON.parse(r.body).message).toBe(`remove busy: volume is in use - [${id}]`);
    expect((await d.http('DELETE', '/volumes/busy?force=1')).status).toBe(409);
    const cli = await d.docker(['volume', 'rm', 'busy']);
    expect(cli.stderr).toMatch(/volume is in use/);
    expect(readFileSync(join(volumesDir(), 'busy', '_data', 'f'), 'utf8')).toBe('mine\n');
    expect(await d.dockerOk(['volume', 'ls', '-q', '--filter', 'dangling=false'])).toBe('busy');
    await d.dockerOk(['rm', 'user1']);
    await d.dockerOk(['volume', 'rm', 'busy']);
  });

  it('-v binds a host directory, read-only with :ro, and creates a missing one', async () => {
    const host = mkdtempSync(join(d.engine.dir, 'hostdir-'));
    writeFileSync(join(host, 'in'), 'from host\n');
    const r = await d.docker(['run', '--rm', '-v', `${host}:/x:ro`, 'busybox', 'sh', '-c', 'cat /x/in; touch /x/new']);
    expect(r.stdout).toBe('from host\n');
    expect(r.stderr).toMatch(/Read-only file system/);
    expect(r.code).toBe(1);
    expect(existsSync(join(host, 'new'))).toBe(false);
    await d.dockerOk(['run', '--rm', '-v', `${host}:/x`, 'busybox', 'touch', '/x/new']);
    expect(existsSync(join(host, 'new'))).toBe(true);
    const missing = join(host, 'made', 'by', 'docker');
    await d.dockerOk(['run', '--rm', '-v', `${missing}:/m`, 'busybox', 'true']);
    expect(statSync(missing).isDirectory()).toBe(true);
    rmSync(host, { recursive: true, force: true });
  });

  it('--mount type=bind refuses a missing source; type=volume and bind work', async () => {
    const missing = join(d.engine.dir, 'no-such-dir');
    const r = await d.docker(['run', '--rm', '--mount', `type=bind,src=${missing},dst=/x`, 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/bind source path does not exist/);
    expect(existsSync(missing)).toBe(false);
    const host = mkdtempSync(join(d.engine.dir, 'mnt-'));
    writeFileSync(join(host, 'f'), 'bound\n');
    expect(await d.dockerOk(['run', '--rm', '--mount', `type=bind,src=${host},dst=/b,readonly`, '--mount', 'type=volume,src=mv,dst=/v', 'busybox', 'sh', '-c', 'cat /b/f; grep " /b " /proc/mounts | grep -c "[ ,]ro[ ,]"; echo x > /v/y && cat /v/y'])).toBe('bound\n1\nx');
    expect(await volumeNames()).toEqual(['mv']);
    rmSync(host, { recursive: true, force: true });
  });

  it('--mount type=tmpfs and --tmpfs give a tmpfs inside', async () => {
    const out = await d.dockerOk(['run', '--rm', '--mount', 'type=tmpfs,dst=/t,tmpfs-size=1m', '--tmpfs', '/run:size=64k,mode=1777', 'busybox', 'sh', '-c', 'grep -E " /(t|run) " /proc/mounts; stat -c %a /run']);
    const lines = out.split('\n');
    expect(lines.find((l) => / \/t /.test(l))).toMatch(/^tmpfs \/t tmpfs \S*size=1024k/);
    expect(lines.find((l) => / \/run /.test(l))).toMatch(/^tmpfs \/run tmpfs \S*nosuid,nodev,noexec\S*size=64k/);
    expect(lines.at(-1)).toBe('1777');
    expect(await volumeNames()).toEqual([]);
  });

  it('a tmpfs-type local volume is a tmpfs inside and unmounted when its last container goes', async () => {
    await d.dockerOk(['volume', 'create', '--opt', 'type=tmpfs', '--opt', 'device=tmpfs', '--opt', 'o=size=2m', 'tv']);
    const mp = join(volumesDir(), 'tv', '_data');
    await d.dockerOk(['create', '--name', 'tvc', '-v', 'tv:/t', 'busybox', 'sh', '-c', 'grep " /t " /proc/mounts']);
    expect(mountsUnder(mp)).toEqual([mp]);
    expect(await d.dockerOk(['start', '-a', 'tvc'])).toMatch(/^tmpfs \/t tmpfs \S*size=2048k/);
    await d.dockerOk(['rm', 'tvc']);
    expect(mountsUnder(mp)).toEqual([]);
    await d.dockerOk(['volume', 'rm', 'tv']);
  });

  it('anonymous volumes: -v /path, removed by rm -v and by --rm', async () => {
    await d.dockerOk(['run', '--name', 'an', '-v', '/anon', 'busybox', 'sh', '-c', 'echo a > /anon/f']);
    const name = (await inspectOne<{ Mounts: MountJson[] }>(['inspect', 'an'])).Mounts[0]?.Name ?? '';
    expect(name).toMatch(/^[0-9a-f]{64}$/);
    expect((await inspectOne<{ Labels: Record<string, string> }>(['volume', 'inspect', name])).Labels).toEqual({ 'com.docker.volume.anonymous': '' });
    expect(readFileSync(join(volumesDir(), name, '_data', 'f'), 'utf8')).toBe('a\n');
    await d.dockerOk(['rm', '-v', 'an']);
    expect(await volumeNames()).toEqual([]);
    // --rm: the anonymous volume goes with the container, a named one stays.
    await d.dockerOk(['run', '--rm', '-v', '/anon', '-v', 'named1:/n', 'busybox', 'true']);
    expect(await volumeNames()).toEqual(['named1']);
  });

  it('--volumes-from shares another container\'s volumes', async () => {
    await d.dockerOk(['run', '--name', 'src', '-v', 'shared:/s', 'busybox', 'sh', '-c', 'echo s > /s/f']);
    expect(await d.dockerOk(['run', '--rm', '--volumes-from', 'src:ro', 'busybox', 'sh', '-c', 'cat /s/f; touch /s/g 2>/dev/null || echo ro'])).toBe('s\nro');
    await d.dockerOk(['rm', '-v', 'src']);
    expect(await volumeNames()).toEqual(['shared']);
  });

  it('copies the image\'s VOLUME content into a new volume, not with nocopy', async () => {
    await loadVolumeImage();
    expect(await d.dockerOk(['run', '--rm', 'volimg', 'sh', '-c', 'cat /data/seed.txt; stat -c "%u %a" /data/seed.txt'])).toBe('seed\n1000 640');
    expect(await volumeNames()).toEqual([]); // the anonymous VOLUME went with --rm
    await d.dockerOk(['run', '--rm', '-v', 'seeded:/data', 'volimg', 'true']);
    const f = join(volumesDir(), 'seeded', '_data', 'seed.txt');
    expect(readFileSync(f, 'utf8')).toBe('seed\n');
    expect(statSync(f).uid).toBe(1000);
    // Not empty any more: a second container's image files do not overwrite it.
    await d.dockerOk(['run', '--rm', '-v', 'seeded:/data', 'volimg', 'sh', '-c', 'echo changed > /data/seed.txt']);
    await d.dockerOk(['run', '--rm', '-v', 'seeded:/data', 'volimg', 'true']);
    expect(readFileSync(f, 'utf8')).toBe('changed\n');
    expect(await d.dockerOk(['run', '--rm', '-v', 'empty1:/data:nocopy', 'volimg', 'ls', '-A', '/data'])).toBe('');
    await d.dockerOk(['rmi', 'volimg']);
  });
});

describe('bad mount specs', () => {
  const create = (hostConfig: object, extra: object = {}) => d.http('POST', '/containers/create?name=bad', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: hostConfig, ...extra }));
  const cases: [string, object, RegExp][] = [
    ['duplicate mount point', { Binds: ['va:/x', 'vb:/x'] }, /Duplicate mount point: \/x/],
    ['duplicate across -v and --tmpfs', { Binds: ['va:/x'], Tmpfs: { '/x': '' } }, /Duplicate mount point: \/x/],
    ['relative container path', { Binds: ['va:rel'] }, /mount path must be absolute/],
    ['unknown -v option', { Binds: ['va:/x:bogus'] }, /invalid mode: bogus/],
    ['nocopy on a bind', { Binds: ['/tmp:/x:nocopy'] }, /nocopy is for volumes only/],
    ['too many fields', { Binds: ['va:/x:ro:extra'] }, /invalid volume specification/],
    ['bad volume name', { Binds: ['a!b:/x'] }, /invalid characters for a local volume name/],
    ['unknown tmpfs option', { Tmpfs: { '/t': 'bogus' } }, /unknown option "bogus"/],
    ['unknown mount type', { Mounts: [{ Type: 'npipe', Target: '/x' }] }, /mount type unknown/],
    ['missing bind source', { Mounts: [{ Type: 'bind', Source: '/nonexistent-strata-src', Target: '/x' }] }, /bind source path does not exist/],
    ['source on tmpfs', { Mounts: [{ Type: 'tmpfs', Source: 'x', Target: '/x' }] }, /Source must not be specified/],
    ['bad driver option', { Mounts: [{ Type: 'volume', Source: 'vc', Target: '/x', VolumeOptions: { DriverConfig: { Options: { nope: '1' } } } }] }, /invalid option key/],
    ['volumes-from a missing container', { Binds: ['va:/x'], VolumesFrom: ['no-such-ctr'] }, /No such container: no-such-ctr/],
  ];
  for (const [what, hc, msg] of cases) {
    it(`${what}: 4xx naming it, and nothing is created`, async () => {
      const r = await create(hc);
      expect(r.status, r.body).toBe(what.startsWith('volumes-from') ? 404 : 400);
      expect(JSON.parse(r.body).message).toMatch(msg);
      expect(await d.dockerOk(['ps', '-aq'])).toBe('');
      expect(await volumeNames()).toEqual([]);
    });
  }

  it('an image VOLUME with a bad bind next to it leaves no anonymous volume', async () => {
    const r = await create({ Mounts: [{ Type: 'bind', Source: '/nonexistent-strata-src', Target: '/y' }] }, { Volumes: { '/anon': {} } });
    expect(r.status).toBe(400);
    expect(await volumeNames()).toEqual([]);
  });

  it('a failure after volumes were made undoes them (a bind-type volume whose device is gone)', async () => {
    const dev = mkdtempSync(join(d.engine.dir, 'dev-'));
    await d.dockerOk(['volume', 'create', '--opt', 'type=none', '--opt', 'o=bind', '--opt', `device=${dev}`, 'bindv']);
    rmSync(dev, { recursive: true });
    const r = await create({ Binds: ['fresh:/a', 'bindv:/b', '/c'] });
    expect(r.status, r.body).toBe(400);
    expect(JSON.parse(r.body).message).toMatch(/error while mounting volume .*bindv.*no such file or directory/);
    expect(await d.dockerOk(['ps', '-aq'])).toBe('');
    expect(await volumeNames()).toEqual(['bindv']);
    expect(readdirSync(volumesDir()).filter((n) => !n.startsWith('metadata.db'))).toEqual(['bindv']);
    // With the device back, the same volume binds it.
    mkdirSync(dev);
    writeFileSync(join(dev, 'f'), 'on the device\n');
    expect(await d.dockerOk(['run', '--rm', '-v', 'bindv:/b', 'busybox', 'cat', '/b/f'])).toBe('on the device');
    expect(mountsUnder(join(volumesDir(), 'bindv'))).toEqual([]);
    await d.dockerOk(['volume', 'rm', 'bindv']);
    expect(readFileSync(join(dev, 'f'), 'utf8')).toBe('on the device\n'); // removing the volume never touches the device
    rmSync(dev, { recursive: true, force: true });
  });

  it('the docker CLI reports the 400', async () => {
    const r = await d.docker(['run', '--rm', '-v', 'va:/x', '-v', 'vb:/x', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/Duplicate mount point/);
  });
});

/** volimg: busybox plus /data/seed.txt (uid 1000, mode 640), VOLUME /data; via docker load. */
async function loadVolumeImage(): Promise<void> {
  const work = mkdtempSync(join(d.engine.dir, 'img-'));
  try {
    const root = makeBusyboxRootfs(join(work, 'rootfs'));
    mkdirSync(join(root, 'data'));
    writeFileSync(join(root, 'data', 'seed.txt'), 'seed\n', { mode: 0o640 });
    chownSync(join(root, 'data', 'seed.txt'), 1000, 1000);
    const archive = join(work, 'archive');
    mkdirSync(archive);
    execFileSync('tar', ['-C', root, '--numeric-owner', '-cf', join(archive, 'layer.tar'), '.']);
    const diffId = `sha256:${createHash('sha256').update(readFileSync(join(archive, 'layer.tar'))).digest('hex')}`;
    const config = {
      architecture: process.arch === 'arm64' ? 'arm64' : 'amd64', os: 'linux', created: new Date().toISOString(),
      config: { Env: ['PATH=/bin:/usr/bin'], Cmd: ['sh'], Volumes: { '/data': {} } },
      rootfs: { type: 'layers', diff_ids: [diffId] },
    };
    writeFileSync(join(archive, 'config.json'), JSON.stringify(config));
    writeFileSync(join(archive, 'manifest.json'), JSON.stringify([{ Config: 'config.json', RepoTags: ['volimg:latest'], Layers: ['layer.tar'] }]));
    execFileSync('tar', ['-C', archive, '-cf', join(work, 'volimg.tar'), 'manifest.json', 'config.json', 'layer.tar']);
    await d.dockerOk(['load', '-i', join(work, 'volimg.tar')], { timeoutMs: 60_000 });
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}
