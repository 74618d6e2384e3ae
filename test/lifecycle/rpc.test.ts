// strata-lifecycled's RPCs that let stratad stop reaching around it, against a
// real daemon over gRPC: Tasks.Pause/Resume/Update (through the shim and the
// runtime; the cgroup files and /proc show the effect), the "paused" status
// surviving a lifecycled restart, Images.Config, Images.ResolveUser (names
// from a two-layer image's /etc/passwd and /etc/group, an absolute symlink
// resolved inside the image), Images.Tag and Content.Read with offsets.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import type { Envelope } from '../../engine/lifecycle/api-types.ts';
import { errorClassOf } from '../../engine/errors.ts';
import { engineSuite, mountsUnder, until, type Client, type Engine } from '../helpers/engine.ts';
import { cgroupFile } from '../helpers/leaks.ts';
import { dockerSave, tarBuffer } from './images-fixtures.ts';

let engine: Engine;
engineSuite((e) => (engine = e));

const lc = (): Client => engine.client();
const id = (n: string) => `${engine.tag}-${n}`;

async function errorOf(p: Promise<unknown>): Promise<{ cls: string; message: string }> {
  try {
    await p;
  } catch (e) {
    return { cls: errorClassOf(e), message: e instanceof Error ? e.message : String(e) };
  }
  throw new Error('expected a failure');
}

async function readAll(digest: string, offset?: number, size?: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of lc().content.read(digest, offset, size)) parts.push(c);
  return Buffer.concat(parts);
}

/** A running `sleep` task; returns its spec's cgroupsPath. */
async function sleeper(name: string): Promise<{ cid: string; cgroup: string; pid: number }> {
  const cid = id(name);
  const c = await lc().containers.create({ id: cid, image: 'busybox:latest', args: ['sleep', '1000'] });
  await lc().tasks.create({ container_id: cid });
  const { pid } = await lc().tasks.start({ container_id: cid });
  const spec = JSON.parse(c.spec) as { linux: { cgroupsPath: string } };
  return { cid, cgroup: spec.linux.cgroupsPath, pid };
}

async function remove(cid: string): Promise<void> {
  await lc().tasks.kill({ container_id: cid, signal: 9, all: true }).catch(() => undefined);
  await lc().tasks.wait({ container_id: cid });
  await lc().tasks.delete({ container_id: cid });
  await lc().containers.delete(cid);
}

function procState(pid: number): string {
  return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
}

function freezer(cgroup: string): string {
  const v1 = cgroupFile(cgroup, 'freezer.state');
  if (v1) return readFileSync(v1, 'utf8').trim();
  const v2 = cgroupFile(cgroup, 'cgroup.freeze');
  return v2 && readFileSync(v2, 'utf8').trim() === '1' ? 'FROZEN' : 'THAWED';
}

describe('Tasks.Pause / Resume', () => {
  it('freezes every process of the task, reports "paused", publishes /tasks/paused and /tasks/resumed', async () => {
    const since = Date.now();
    const { cid, cgroup, pid } = await sleeper('pause');
    try {
      await lc().tasks.pause({ container_id: cid });
      expect((await lc().tasks.get({ container_id: cid })).status).toBe('paused');
      expect(freezer(cgroup)).toBe('FROZEN');
      await until(() => procState(pid) === 'D', 5000, 'the frozen task in D state'); // a frozen task sleeps uninterruptibly (v1 freezer)

      const again = await errorOf(lc().tasks.pause({ container_id: cid }));
      expect(again.cls).toBe('FailedPrecondition');
      expect(again.message).toMatch(/cannot pause a task that is paused/);
      const exec = await errorOf(lc().tasks.exec({ container_id: cid, exec_id: 'e1', spec: JSON.stringify({ args: ['true'], cwd: '/', env: [] }) }));
      expect(exec.message).toMatch(/cannot exec a task that is paused/);

      await lc().tasks.resume({ container_id: cid });
      expect((await lc().tasks.get({ container_id: cid })).status).toBe('running');
      expect(freezer(cgroup)).toBe('THAWED');
      await until(() => procState(pid) === 'S', 5000, 'the thawed task sleeping');
      const resumeAgain = await errorOf(lc().tasks.resume({ container_id: cid }));
      expect(resumeAgain.message).toMatch(/cannot resume a task that is running/);

      const topics: string[] = [];
      const ac = new AbortController();
      const seen = (async () => {
        for await (const env of lc().events.subscribe(['/tasks/'], since, ac.signal) as AsyncIterable<Envelope>) {
          const p = JSON.parse(env.payload) as { container_id?: string };
          if (p.container_id === cid) topics.push(env.topic);
          if (env.topic === '/tasks/resumed' && p.container_id === cid) break;
        }
      })();
      await Promise.race([seen, new Promise((r) => setTimeout(r, 5000))]);
      ac.abort();
      expect(topics).toEqual(['/tasks/create', '/tasks/start', '/tasks/paused', '/tasks/resumed']);
    } finally {
      await remove(cid);
    }
  });

  it('refuses a created task and an unknown one, in plain words', async () => {
    const cid = id('created');
    await lc().containers.create({ id: cid, image: 'busybox:latest', args: ['true'] });
    await lc().tasks.create({ container_id: cid });
    try {
      const e = await errorOf(lc().tasks.pause({ container_id: cid }));
      expect(e.cls).toBe('FailedPrecondition');
      expect(e.message).toMatch(/cannot pause a task that is created/);
      expect((await errorOf(lc().tasks.pause({ container_id: id('nope') }))).cls).toBe('NotFound');
    } finally {
      await lc().tasks.delete({ container_id: cid });
      await lc().containers.delete(cid);
    }
  });

  it('a paused task is still paused after lifecycled restarts, and can be killed and deleted', async () => {
    const { cid, cgroup } = await sleeper('restart');
    try {
      await lc().tasks.pause({ container_id: cid });
      await engine.restart();
      expect((await lc().tasks.get({ container_id: cid })).status).toBe('paused');
      expect(freezer(cgroup)).toBe('FROZEN');
      await lc().tasks.resume({ container_id: cid });
      expect((await lc().tasks.get({ container_id: cid })).status).toBe('running');
    } finally {
      await remove(cid);
    }
  });
});

describe('Tasks.Update', () => {
  it('writes the limits to the cgroup and keeps them in the container spec for the next task', async () => {
    const { cid, cgroup } = await sleeper('update');
    try {
      const resources = { memory: { limit: 64 * 1024 * 1024 }, cpu: { quota: 50000, period: 100000 }, pids: { limit: 42 } };
      await lc().tasks.update({ container_id: cid, resources: JSON.stringify(resources) });
      const read = (file: string) => readFileSync(cgroupFile(cgroup, file) as string, 'utf8').trim();
      expect(read('memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
      expect(read('cpu.cfs_quota_us')).toBe('50000');
      expect(read('pids.max')).toBe('42');
      const spec = JSON.parse((await lc().containers.get(cid)).spec) as { linux: { resources: Record<string, unknown> } };
      expect(spec.linux.resources.pids).toEqual({ limit: 42 });
      expect(spec.linux.resources.memory).toEqual({ limit: 64 * 1024 * 1024 });
      expect(spec.linux.resources.devices).toBeDefined(); // merged, not replaced

      expect((await errorOf(lc().tasks.update({ container_id: cid, resources: '{not json' }))).cls).toBe('InvalidArgument');
      expect((await errorOf(lc().tasks.update({ container_id: cid, resources: '[1]' }))).cls).toBe('InvalidArgument');
      const bad = await errorOf(lc().tasks.update({ container_id: cid, resources: JSON.stringify({ pids: { limit: 'many' } }) }));
      expect(bad.message).toMatch(/runtime/);
      expect(read('pids.max')).toBe('42');
    } finally {
      await remove(cid);
    }
  });
});

/** A two-layer image: busybox-like /etc in layer 1; layer 2 adds a user and makes /etc/group an absolute symlink. */
async function usersImage(): Promise<string> {
  const l1 = await tarBuffer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' },
    { name: 'etc/group', data: 'root:x:0:\nnogroup:x:65534:\n' },
  ]);
  const l2 = await tarBuffer([
    { name: 'etc/', type: 'directory' },
    { name: 'etc/passwd', data: 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\napp:x:1000:1000::/home/app:/bin/sh\n' },
    { name: 'etc/group.real', data: 'root:x:0:\nnogroup:x:65534:\napp:x:1000:\nstaff:x:50:app,other\naudio:x:29:app\n' },
    { name: 'etc/group', type: 'symlink', linkname: '/etc/group.real' },
  ]);
  const file = join(engine.dir, 'users.tar');
  await dockerSave(file, [l1, l2], ['users:1']);
  await lc().images.load(file);
  // The same layers with USER app in the config, as a second image.
  const config = Buffer.from(JSON.stringify({
    architecture: 'amd64', os: 'linux', config: { Env: ['PATH=/bin'], Cmd: ['sh'], User: 'app' },
    rootfs: { type: 'layers', diff_ids: [l1, l2].map((l) => `sha256:${createHash('sha256').update(l).digest('hex')}`) },
  }));
  const named = join(engine.dir, 'users-named.tar');
  writeFileSync(named, await tarBuffer([
    { name: 'l1.tar', data: l1 }, { name: 'l2.tar', data: l2 }, { name: 'config.json', data: config },
    { name: 'manifest.json', data: JSON.stringify([{ Config: 'config.json', RepoTags: ['users:named'], Layers: ['l1.tar', 'l2.tar'] }]) },
  ]));
  await lc().images.load(named);
  return 'users:1';
}

describe('Images.Config and Images.ResolveUser', () => {
  it('Config returns the config document and its digest, the one the manifest names', async () => {
    const img = await lc().images.get('busybox:latest');
    const manifest = JSON.parse((await readAll(img.target.digest)).toString()) as { config: { digest: string } };
    const cfg = await lc().images.config('busybox:latest');
    expect(cfg.digest).toBe(manifest.config.digest);
    expect(`sha256:${createHash('sha256').update(cfg.config).digest('hex')}`).toBe(cfg.digest);
    const doc = JSON.parse(cfg.config) as { os: string; rootfs: { diff_ids: string[] }; config: { Cmd: string[] } };
    expect(doc.os).toBe('linux');
    expect(doc.rootfs.diff_ids).toHaveLength(1);
    expect(doc.config.Cmd).toEqual(['sh']);
    expect((await errorOf(lc().images.config('nope:latest'))).cls).toBe('NotFound');
  });

  it('resolves names, groups and numeric ids from the image layers', async () => {
    const image = await usersImage();
    try {
      expect(await lc().images.resolveUser(image, 'app')).toEqual({ uid: 1000, gid: 1000, additional_gids: [50, 29] });
      expect(await lc().images.resolveUser(image, 'nobody')).toEqual({ uid: 65534, gid: 65534, additional_gids: [] });
      expect(await lc().images.resolveUser(image, 'app:staff')).toEqual({ uid: 1000, gid: 50, additional_gids: [] });
      expect(await lc().images.resolveUser(image, '1000')).toEqual({ uid: 1000, gid: 1000, additional_gids: [50, 29] });
      expect(await lc().images.resolveUser(image, '4242')).toEqual({ uid: 4242, gid: 0, additional_gids: [] });
      expect(await lc().images.resolveUser(image, '7:8')).toEqual({ uid: 7, gid: 8, additional_gids: [] });
      expect(await lc().images.resolveUser(image, '')).toEqual({ uid: 0, gid: 0, additional_gids: [] });
      const unknown = await errorOf(lc().images.resolveUser(image, 'ghost'));
      expect(unknown.cls).toBe('InvalidArgument');
      expect(unknown.message).toMatch(/unable to find user ghost: no matching entries in passwd file of image users:1/);
      const group = await errorOf(lc().images.resolveUser(image, 'app:wheel'));
      expect(group.message).toMatch(/unable to find group wheel/);
      expect((await errorOf(lc().images.resolveUser('nope:1', 'app'))).cls).toBe('NotFound');
      // A container made from lifecycled's default spec runs as the image's USER, by name.
      const cid = id('named-user');
      const c = await lc().containers.create({ id: cid, image: 'users:named' });
      await lc().containers.delete(cid);
      expect((JSON.parse(c.spec) as { process: { user: unknown } }).process.user).toEqual({ uid: 1000, gid: 1000, additionalGids: [50, 29] });
      // The read-only view of the two layers is unmounted again.
      expect(mountsUnder(engine).filter((m) => m.includes('/snapshots/view-'))).toEqual([]);
    } finally {
      await lc().images.remove(image);
      await lc().images.remove('users:named');
    }
  });
});

describe('Images.Tag and Content.Read', () => {
  it('Tag gives the same target a second name; an unknown source is NotFound', async () => {
    const src = await lc().images.get('busybox:latest');
    const tagged = await lc().images.tag('busybox:latest', 'example.com/team/box:v1');
    try {
      expect(tagged.name).toBe('example.com/team/box:v1');
      expect(tagged.target).toEqual(src.target);
      expect((await lc().images.get('example.com/team/box:v1')).target.digest).toBe(src.target.digest);
      expect((await lc().images.config('example.com/team/box:v1')).digest).toBe((await lc().images.config('busybox:latest')).digest);
      expect((await errorOf(lc().images.tag('ghost:latest', 'x:1'))).cls).toBe('NotFound');
      expect((await errorOf(lc().images.tag('busybox:latest', 'Bad Name'))).cls).toBe('InvalidArgument');
    } finally {
      await lc().images.remove('example.com/team/box:v1');
    }
    expect((await lc().images.get('busybox:latest')).target.digest).toBe(src.target.digest);
  });

  it('Read streams a blob whole or from an offset; bad digests and offsets are refused', async () => {
    const img = await lc().images.get('busybox:latest');
    const manifest = JSON.parse((await readAll(img.target.digest)).toString()) as { layers: { digest: string; size: number }[] };
    const layer = manifest.layers[0] as { digest: string; size: number };
    const whole = await readAll(layer.digest);
    expect(whole.length).toBe(layer.size);
    expect(whole.length).toBeGreaterThan(1024 * 1024); // several chunks
    expect(`sha256:${createHash('sha256').update(whole).digest('hex')}`).toBe(layer.digest);
    expect((await readAll(layer.digest, 1000)).equals(whole.subarray(1000))).toBe(true);
    expect((await readAll(layer.digest, 1000, 10)).equals(whole.subarray(1000, 1010))).toBe(true);
    expect((await readAll(layer.digest, layer.size)).length).toBe(0);
    expect((await errorOf(readAll(layer.digest, layer.size + 1))).cls).toBe('InvalidArgument');
    expect((await errorOf(readAll(`sha256:${'0'.repeat(64)}`))).cls).toBe('NotFound');
    expect((await errorOf(readAll('md5:abc'))).cls).toBe('InvalidArgument');
  });
});

describe('the client\'s attach stream', () => {
  it('a refused attach fails the iteration, also when nobody reads until after the refusal came', async () => {
    const session = await lc().tasks.attach({ container_id: id('ghost'), stdout: true });
    await new Promise((r) => setTimeout(r, 300)); // the NotFound status arrives with nobody iterating yet
    const e = await errorOf((async () => {
      for await (const chunk of session.output) void chunk;
    })());
    expect(e.cls).toBe('NotFound');
    expect(e.message).toMatch(/no task for container/);
  });

  it('output that arrives before the first read is kept, in order, to the end', async () => {
    const cid = id('attach-late');
    await lc().containers.create({ id: cid, image: 'busybox:latest', args: ['sh', '-c', 'read go; seq 1 2000'] });
    await lc().tasks.create({ container_id: cid, stdin: true });
    try {
      const session = await lc().tasks.attach({ container_id: cid, stdin: true, stdout: true, stderr: true });
      await lc().tasks.start({ container_id: cid });
      session.write('go\n');
      await lc().tasks.wait({ container_id: cid });
      let text = '';
      for await (const chunk of session.output) text += chunk.data.toString();
      expect(text).toBe(`${Array.from({ length: 2000 }, (_, i) => i + 1).join('\n')}\n`);
    } finally {
      await lc().tasks.delete({ container_id: cid });
      await lc().containers.delete(cid);
    }
  });
});

describe('strata lc, the debug client', () => {
  it('tasks pause / resume / update and images tag / config', async () => {
    const { cid, cgroup } = await sleeper('lc');
    try {
      expect((await engine.lcOk(['tasks', 'pause', cid])).trim()).toBe(cid);
      expect(await engine.lcOk(['tasks', 'ls'])).toMatch(new RegExp(`${cid}\\s+\\d+\\s+PAUSED`));
      expect((await engine.lcOk(['tasks', 'resume', cid])).trim()).toBe(cid);
      await engine.lcOk(['tasks', 'update', cid, '{"pids":{"limit":33}}']);
      expect(readFileSync(cgroupFile(cgroup, 'pids.max') as string, 'utf8').trim()).toBe('33');
      const bad = await engine.lc(['tasks', 'resume', cid]);
      expect(bad.code).not.toBe(0);
      expect(bad.stderr).toMatch(/cannot resume a task that is running/);
    } finally {
      await remove(cid);
    }
    expect(await engine.lcOk(['images', 'tag', 'busybox:latest', 'lc-tag:1'])).toMatch(/^lc-tag:1 sha256:[0-9a-f]{64}\n$/);
    const cfg = JSON.parse(await engine.lcOk(['images', 'config', 'lc-tag:1'])) as { digest: string; config: { os: string } };
    expect(cfg.digest).toBe((await lc().images.config('busybox:latest')).digest);
    expect(cfg.config.os).toBe('linux');
    await engine.lcOk(['images', 'rm', 'lc-tag:1']);
  });
});
