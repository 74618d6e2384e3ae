// stratad's image routes through the real docker CLI: images, inspect,
// history, tag, rmi (and its conflicts), import, save | load, prune.
import { readFileSync as readBytes, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { daemonSuite, type Daemon } from '../helpers/daemon-start.ts';
import { makeBusyboxTarball } from '../helpers/image.ts';

let d: Daemon;

daemonSuite((daemon) => (d = daemon));

describe('docker images', () => {
  it('lists the imported image', () => {
    const out = d.dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']);
    expect(out).toMatch(/^busybox:latest [0-9a-f]{12}\n$/);
  });

  it('inspects it in Docker shape', () => {
    const [img] = JSON.parse(d.dockerOk(['image', 'inspect', 'busybox'])) as { Id: string; RepoTags: string[]; Config: { Cmd: string[]; Env: string[] }; Os: string; RootFS: { Type: string; Layers: string[] } }[];
    expect(img?.Id).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(img?.RepoTags).toEqual(['busybox:latest']);
    expect(img?.Config.Cmd).toEqual(['sh']);
    expect(img?.Os).toBe('linux');
    expect(img?.RootFS.Type).toBe('layers');
    expect(img?.RootFS.Layers).toHaveLength(1);
  });

  it('404s unknown images with "No such image"', () => {
    const r = d.docker(['image', 'inspect', 'nope:1']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/No such image: nope:1/);
  });

  it('tags, and the tag shares the ID', () => {
    d.dockerOk(['tag', 'busybox', 'localhost:5000/team/box:v1']);
    const out = d.dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}']).trim().split('\n').sort();
    expect(out).toHaveLength(2);
    const ids = out.map((l) => l.split(' ')[1]);
    expect(ids[0]).toBe(ids[1]);
    expect(d.dockerOk(['image', 'inspect', '--format', '{{.RepoTags}}', 'localhost:5000/team/box:v1']).trim()).toBe('[busybox:latest localhost:5000/team/box:v1]');
  });

  it('history shows the import', () => {
    const out = d.dockerOk(['history', 'busybox']);
    expect(out).toContain('strata import');
  });

  it('rmi untags, then deletes; refuses an image a container uses', () => {
    const r = d.dockerOk(['rmi', 'localhost:5000/team/box:v1']);
    expect(r).toContain('Untagged: localhost:5000/team/box:v1');
    const id = d.dockerOk(['create', 'busybox', 'true']).trim();
    const refused = d.docker(['rmi', 'busybox']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toMatch(/conflict/);
    d.dockerOk(['rm', id]);
    const missing = d.docker(['rmi', 'nope']);
    expect(missing.stderr).toMatch(/No such image: nope/);
  });

  it('import: a rootfs tar from stdin becomes an image', () => {
    const tar = makeBusyboxTarball(join(d.dir, 'rootfs.tar'));
    const out = d.dockerOk(['import', '-', 'imported:2'], { input: readBytes(tar) });
    expect(out.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(d.dockerOk(['run', '--rm', 'imported:2', 'echo', 'from-import'])).toBe('from-import\n');
  });

  it('save | load round trip', () => {
    d.dockerOk(['tag', 'busybox', 'roundtrip:1']);
    const file = join(d.dir, 'saved.tar');
    d.dockerOk(['save', '-o', file, 'roundtrip:1']);
    d.dockerOk(['rmi', 'roundtrip:1']);
    expect(d.docker(['image', 'inspect', 'roundtrip:1']).code).toBe(1);
    const out = d.dockerOk(['load', '-i', file]);
    expect(out).toContain('Loaded image: roundtrip:1');
    expect(d.dockerOk(['run', '--rm', 'roundtrip:1', 'echo', 'loaded'])).toBe('loaded\n');
    // Through a pipe too: docker save | docker load.
    const piped = d.docker(['save', 'roundtrip:1']);
    expect(piped.code).toBe(0);
    d.dockerOk(['rmi', 'roundtrip:1']);
    expect(d.dockerOk(['load'], { input: piped.raw })).toContain('Loaded image: roundtrip:1');
  });

  it('pull from a registry that is not there answers with a clear error', () => {
    // Loopback only (no traffic leaves the host); test/registry/ covers real pulls.
    const r = d.docker(['pull', '127.0.0.1:1/alpine']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/registry 127\.0\.0\.1:1 is not reachable/);
  });

  it('prune -a removes unused images only', () => {
    d.dockerOk(['tag', 'busybox', 'unused:1']);
    writeFileSync(join(d.dir, 'noop'), '');
    const keep = d.dockerOk(['create', '--name', 'keeper', 'imported:2', 'true']).trim();
    const out = d.dockerOk(['image', 'prune', '-a', '-f']);
    expect(out).toMatch(/Total reclaimed space/);
    const left = d.dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(left).toContain('imported:2');
    d.dockerOk(['rm', keep]);
  });
});
