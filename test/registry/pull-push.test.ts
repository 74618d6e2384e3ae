// Pull and push through stratad (the real docker CLI and strata's own CLI)
// against a real registry (Debian's docker-registry on 127.0.0.1), plus a
// proxy in front of it that corrupts or cuts a blob.
import { readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { makeBusyboxTarball } from '../helpers/image.ts';
import { runCommand } from '../helpers/run.ts';
import { stratadSuite, type Stratad } from '../helpers/stratad.ts';
import { startProxy } from './proxy.ts';
import { freePort, httpGet, startRegistry, type Registry } from './registry-server.ts';
import { layerTar, pushImage, pushIndex, sha256 } from './upload.ts';

// Blobs above 256 KiB are pushed in chunks (PATCH), smaller ones in one PUT.
process.env.STRATA_PUSH_CHUNK_BYTES = String(256 << 10);

const CLI = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'strata');
const HOST_ARCH = process.arch === 'x64' ? 'amd64' : process.arch;
const OTHER_ARCH = HOST_ARCH === 'amd64' ? 'arm64' : 'amd64';

let s: Stratad;
let reg: Registry;
stratadSuite((d) => (s = d));

beforeAll(async () => {
  reg = await startRegistry();
}, 30_000);
afterAll(async () => {
  await reg?.stop();
});

/** What lifecycled keeps: blob files, ingests, snapshots, image names. */
async function storeState(): Promise<{ blobs: string[]; ingests: string[]; snapshots: string[]; images: string[] }> {
  const content = join(s.engine.dataRoot, 'content');
  const snaps = await s.engine.client().snapshots.list();
  const images = await s.engine.client().images.list();
  return {
    blobs: readdirSync(join(content, 'blobs', 'sha256')).sort(),
    ingests: readdirSync(join(content, 'ingest')).sort(),
    snapshots: snaps.map((x) => x.key).sort(),
    images: images.map((i) => i.name).sort(),
  };
}

function cli(args: string[]) {
  return runCommand(CLI, args, { env: { ...process.env, DOCKER_HOST: `unix://${s.socket}`, DOCKER_CONFIG: join(s.engine.dir, 'docker-config') } });
}

describe('push and pull with the docker CLI', () => {
  let digest = '';

  it('pushes a local image with progress, and the registry has it', async () => {
    const ref = `${reg.host}/busybox:latest`;
    await s.dockerOk(['tag', 'busybox:latest', ref]);
    const out = await s.dockerOk(['push', ref], { timeoutMs: 120_000 });
    expect(out).toContain(`The push refers to repository [${reg.host}/busybox]`);
    expect(out).toMatch(/: Pushed/);
    const m = /latest: digest: (sha256:[0-9a-f]{64}) size: (\d+)/.exec(out);
    expect(m).not.toBeNull();
    digest = (m as RegExpExecArray)[1] as string;
    const r = await httpGet(`http://${reg.host}/v2/busybox/manifests/latest`, { Accept: 'application/vnd.oci.image.manifest.v1+json' });
    expect(r.status).toBe(200);
    expect(r.headers['docker-content-digest']).toBe(digest);
    expect(sha256(r.body)).toBe(digest);
    // Every blob the manifest names is in the registry and hashes right (the chunked upload included).
    const doc = JSON.parse(r.body.toString()) as { config: { digest: string }; layers: { digest: string }[] };
    for (const b of [doc.config, ...doc.layers]) {
      const blob = await httpGet(`http://${reg.host}/v2/busybox/blobs/${b.digest}`);
      expect(blob.status).toBe(200);
      expect(sha256(blob.body)).toBe(b.digest);
    }
    const again = await s.dockerOk(['push', ref]);
    expect(again).toMatch(/Layer already exists/);
  }, 180_000);

  it('mounts blobs from another repository of the registry instead of uploading them', async () => {
    const ref = `${reg.host}/other:1`;
    await s.dockerOk(['tag', 'busybox:latest', ref]);
    const out = await s.dockerOk(['push', ref]);
    expect(out).toMatch(/Mounted from busybox/);
    expect((await httpGet(`http://${reg.host}/v2/other/manifests/1`, { Accept: 'application/vnd.oci.image.manifest.v1+json' })).status).toBe(200);
  }, 120_000);

  it('pulls the image back by tag after it was removed, with progress, and runs it', async () => {
    const ref = `${reg.host}/busybox:latest`;
    await s.dockerOk(['rmi', ref, `${reg.host}/other:1`, 'busybox:latest']);
    const before = await storeState();
    expect(before.images).toEqual([]);
    const out = await s.dockerOk(['pull', ref], { timeoutMs: 120_000 });
    expect(out).toContain('latest: Pulling from busybox');
    expect(out).toMatch(/[0-9a-f]{12}: Pull complete/);
    expect(out).toContain(`Digest: ${digest}`);
    expect(out).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(await s.dockerOk(['run', '--rm', ref, 'echo', 'pulled-ok'])).toBe('pulled-ok');
    const again = await s.dockerOk(['pull', ref]);
    expect(again).toContain(`Status: Image is up to date for ${ref}`);
    await s.dockerOk(['tag', ref, 'busybox:latest']);
  }, 180_000);

  it('pulls by digest', async () => {
    const ref = `${reg.host}/busybox:latest`;
    await s.dockerOk(['rmi', ref]);
    const out = await s.dockerOk(['pull', `${reg.host}/busybox@${digest}`], { timeoutMs: 120_000 });
    expect(out).toContain(`Digest: ${digest}`);
    expect(out).toContain(`Status: Downloaded newer image for ${reg.host}/busybox@${digest}`);
    const local = `${reg.host}/busybox:sha256-${digest.slice(7)}`;
    expect((await storeState()).images).toContain(local);
    expect(await s.dockerOk(['run', '--rm', local, 'echo', 'digest-ok'])).toBe('digest-ok');
    await s.dockerOk(['rmi', local]);
  }, 180_000);

  it('picks the host platform from a multi-platform index, another with --platform', async () => {
    const host = await pushImage(reg.host, 'multi', HOST_ARCH, [await layerTar({ 'arch.txt': HOST_ARCH })], { os: 'linux', architecture: HOST_ARCH });
    const other = await pushImage(reg.host, 'multi', OTHER_ARCH, [await layerTar({ 'arch.txt': OTHER_ARCH })], { os: 'linux', architecture: OTHER_ARCH });
    const index = await pushIndex(reg.host, 'multi', 'latest', [
      { manifest: other.manifest, platform: { os: 'linux', architecture: OTHER_ARCH } },
      { manifest: host.manifest, platform: { os: 'linux', architecture: HOST_ARCH } },
    ]);
    const ref = `${reg.host}/multi:latest`;
    const out = await s.dockerOk(['pull', ref]);
    expect(out).toContain(`Digest: ${index.digest}`);
    const inspect = JSON.parse(await s.dockerOk(['image', 'inspect', ref])) as { Architecture: string; Id: string; RootFS: { Layers: string[] } }[];
    expect(inspect[0]?.Architecture).toBe(HOST_ARCH);
    expect(inspect[0]?.Id).toBe(host.config.digest);
    await s.dockerOk(['rmi', ref]);
    await s.dockerOk(['pull', '--platform', `linux/${OTHER_ARCH}`, ref]);
    const inspect2 = JSON.parse(await s.dockerOk(['image', 'inspect', ref])) as { Architecture: string; Id: string }[];
    expect(inspect2[0]?.Architecture).toBe(OTHER_ARCH);
    expect(inspect2[0]?.Id).toBe(other.config.digest);
    await s.dockerOk(['rmi', ref]);
  }, 120_000);

  it('pulls a Docker schema 2 manifest list and manifest (gzip layers) and runs the image', async () => {
    const tarball = makeBusyboxTarball(join(s.engine.dir, 'docker-rootfs.tar'));
    const rootfs = readFileSync(tarball);
    rmSync(tarball);
    const host = await pushImage(reg.host, 'dockerfmt', 'host', [rootfs, await layerTar({ 'fmt.txt': 'docker schema 2\n' })], { os: 'linux', architecture: HOST_ARCH }, 'gzip', 'docker');
    const other = await pushImage(reg.host, 'dockerfmt', 'other', [await layerTar({ 'fmt.txt': 'other\n' })], { os: 'linux', architecture: OTHER_ARCH }, 'gzip', 'docker');
    const list = await pushIndex(reg.host, 'dockerfmt', 'latest', [
      { manifest: other.manifest, platform: { os: 'linux', architecture: OTHER_ARCH } },
      { manifest: host.manifest, platform: { os: 'linux', architecture: HOST_ARCH } },
    ], 'docker');
    const ref = `${reg.host}/dockerfmt:latest`;
    const out = await s.dockerOk(['pull', ref], { timeoutMs: 120_000 });
    expect(out).toContain(`Digest: ${list.digest}`);
    const inspect = JSON.parse(await s.dockerOk(['image', 'inspect', ref])) as { Id: string; Descriptor?: { mediaType: string; digest: string } }[];
    expect(inspect[0]?.Id).toBe(host.config.digest);
    expect(await s.dockerOk(['run', '--rm', ref, 'cat', '/fmt.txt'])).toBe('docker schema 2');
    // Pushed elsewhere as it is: the registry gets the same schema 2 manifest.
    const copy = `${reg.host}/dockerfmt-copy:1`;
    await s.dockerOk(['tag', ref, copy]);
    const push = await s.dockerOk(['push', copy]);
    expect(push).toContain(`1: digest: ${host.manifest.digest}`);
    await s.dockerOk(['rmi', ref, copy]);
  }, 180_000);

  it('pulls zstd layers and runs the image', async () => {
    const tarball = makeBusyboxTarball(join(s.engine.dir, 'zstd-rootfs.tar'));
    const rootfs = readFileSync(tarball);
    rmSync(tarball);
    const img = await pushImage(reg.host, 'zstd', 'latest', [rootfs, await layerTar({ 'hello.txt': 'hello from zstd\n' })], { os: 'linux', architecture: HOST_ARCH }, 'zstd');
    const ref = `${reg.host}/zstd:latest`;
    const before = await storeState();
    await s.dockerOk(['pull', ref], { timeoutMs: 120_000 });
    expect(await s.dockerOk(['run', '--rm', ref, 'cat', '/hello.txt'])).toBe('hello from zstd');
    // Stored uncompressed: the zstd blobs themselves are not kept.
    const blobs = (await storeState()).blobs;
    for (const l of img.layers) expect(blobs).not.toContain(l.digest.slice(7));
    await s.dockerOk(['rmi', ref]);
    expect(await storeState()).toEqual(before);
  }, 180_000);

  it('refuses a corrupted blob and keeps nothing of the pull', async () => {
    const layer = await layerTar({ 'data.bin': Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 7) & 0xff)) });
    const img = await pushImage(reg.host, 'corrupt', '1', [layer, await layerTar({ 'b.txt': 'second layer' })], { os: 'linux', architecture: HOST_ARCH });
    const proxy = await startProxy(reg.port, { corrupt: new Set([(img.layers[0] as { digest: string }).digest]) });
    try {
      const before = await storeState();
      const r = await s.docker(['pull', `${proxy.host}/corrupt:1`], { timeoutMs: 60_000 });
      expect(r.code).not.toBe(0);
      expect(`${r.stdout}${r.stderr}`).toMatch(new RegExp(`${(img.layers[0] as { digest: string }).digest}.*failed verification`));
      expect(await storeState()).toEqual(before);
      expect(proxy.seen.some((l) => l.includes((img.layers[0] as { digest: string }).digest))).toBe(true);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('resumes a layer download that was cut off, with a Range request', async () => {
    const big = Buffer.alloc(3 << 20);
    for (let i = 0; i < big.length; i += 4) big.writeUInt32LE((i * 2654435761) >>> 0, i);
    const img = await pushImage(reg.host, 'resume', '1', [await layerTar({ 'big.bin': big })], { os: 'linux', architecture: HOST_ARCH }, 'none');
    const layer = (img.layers[0] as { digest: string }).digest;
    const proxy = await startProxy(reg.port, { cutOnce: new Set([layer]) });
    try {
      const ref = `${proxy.host}/resume:1`;
      const out = await s.dockerOk(['pull', ref], { timeoutMs: 120_000 });
      expect(out).toContain(`Status: Downloaded newer image for ${ref}`);
      const gets = proxy.seen.filter((l) => l.startsWith('GET') && l.includes(layer));
      expect(gets.length).toBeGreaterThanOrEqual(2);
      expect(gets[0]).toMatch(/range=$/);
      expect(gets.at(-1)).toMatch(/range=bytes=[1-9]\d*-$/);
      expect((await storeState()).ingests).toEqual([]);
      await s.dockerOk(['rmi', ref]);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('downloads layers three at a time', async () => {
    const tars = await Promise.all([0, 1, 2, 3, 4, 5].map((i) => layerTar({ [`l${i}.txt`]: `layer ${i}` })));
    await pushImage(reg.host, 'wide', '1', tars, { os: 'linux', architecture: HOST_ARCH });
    const proxy = await startProxy(reg.port, { delayBlobsMs: 300 });
    try {
      const ref = `${proxy.host}/wide:1`;
      const out = await s.dockerOk(['pull', ref]);
      expect(out.match(/: Pull complete/g)?.length).toBe(6);
      expect(out.match(/: Waiting/g)?.length).toBe(3);
      expect(proxy.maxInFlight()).toBe(3);
      await s.dockerOk(['rmi', ref]);
    } finally {
      await proxy.close();
    }
  }, 120_000);

  it('names a registry that is down', async () => {
    const port = await freePort();
    const r = await s.docker(['pull', `127.0.0.1:${port}/nothing:1`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`registry 127.0.0.1:${port} is not reachable`);
    expect(r.stderr).toMatch(/connection refused/);
  }, 60_000);

  it('reports an unknown tag, and a single-platform image of another platform, before any progress', async () => {
    const r = await s.docker(['pull', `${reg.host}/busybox:nope`]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain(`Error response from daemon: registry ${reg.host}: manifest for ${reg.host}/busybox:nope not found`);
    const before = await storeState();
    const p = await s.docker(['pull', '--platform', `linux/${OTHER_ARCH}`, `${reg.host}/busybox:latest`]);
    expect(p.code).not.toBe(0);
    expect(p.stderr).toContain(`not the requested platform linux/${OTHER_ARCH}`);
    expect(await storeState()).toEqual(before);
  }, 60_000);
});

describe('the Distribution gRPC service', () => {
  it('streams pull progress to lifecycled\'s own client, ending with the image', async () => {
    const lc = s.engine.client();
    const dist = lc.distribution;
    expect(dist).toBeDefined();
    const seen: { id: string; status: string; digest: string; image: string }[] = [];
    for await (const p of dist!.pull({ ref: `${reg.host}/busybox:latest` })) seen.push(p);
    expect(seen[0]?.status).toBe('Pulling from busybox');
    const done = seen.at(-1);
    expect(done?.status).toBe('done');
    expect(done?.image).toBe(`${reg.host}/busybox:latest`);
    expect(done?.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect((await lc.images.get(`${reg.host}/busybox:latest`)).target.digest).toBe(done?.digest);
    await lc.images.remove(`${reg.host}/busybox:latest`);
    await expect(async () => {
      for await (const _ of dist!.pull({ ref: `${reg.host}/busybox:missing` })) void _;
    }).rejects.toThrow(/manifest for .*busybox:missing not found/);
  }, 120_000);
});

describe('strata pull and push', () => {
  it('push and pull with plain progress lines when stdout is not a terminal', async () => {
    const ref = `${reg.host}/strata-cli:1`;
    await s.dockerOk(['tag', 'busybox:latest', ref]);
    const push = await cli(['push', ref]);
    expect(push.code, push.stderr).toBe(0);
    expect(push.stdout).toContain(`The push refers to repository [${reg.host}/strata-cli]`);
    expect(push.stdout).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    await s.dockerOk(['rmi', ref]);
    const pull = await cli(['pull', ref]);
    expect(pull.code, pull.stderr).toBe(0);
    expect(pull.stdout).toMatch(/^[0-9a-f]{12}: (Already exists|Pull complete)$/m);
    expect(pull.stdout).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(pull.stdout.trim().split('\n').at(-1)).toBe(ref);
    await s.dockerOk(['rmi', ref]);
  }, 120_000);
});
