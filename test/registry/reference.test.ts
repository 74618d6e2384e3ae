// The registry client's pure parts: reference normalisation, challenges,
// X-Registry-Auth, docker config credentials, platform selection.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { decodeRegistryAuth, parseChallenges } from '../../engine/lifecycle/registry/auth.ts';
import { credentialsFor } from '../../engine/lifecycle/registry/docker-config.ts';
import { selectPlatform, type FetchedManifest } from '../../engine/lifecycle/registry/manifest.ts';
import { familiarRepository, isInsecure, localName, parseReference } from '../../engine/lifecycle/registry/reference.ts';

describe('references', () => {
  it('normalises like docker', () => {
    expect(parseReference('busybox')).toEqual({ registry: 'docker.io', repository: 'library/busybox', tag: 'latest' });
    expect(parseReference('docker.io/library/busybox:1.36')).toEqual({ registry: 'docker.io', repository: 'library/busybox', tag: '1.36' });
    expect(parseReference('team/app')).toEqual({ registry: 'docker.io', repository: 'team/app', tag: 'latest' });
    expect(parseReference('127.0.0.1:5000/a/b:v2')).toEqual({ registry: '127.0.0.1:5000', repository: 'a/b', tag: 'v2' });
    expect(parseReference('localhost/app')).toEqual({ registry: 'localhost', repository: 'app', tag: 'latest' });
    const d = `sha256:${'a'.repeat(64)}`;
    expect(parseReference(`host:5000/app@${d}`)).toEqual({ registry: 'host:5000', repository: 'app', digest: d });
    expect(parseReference('host:5000/app', d)).toEqual({ registry: 'host:5000', repository: 'app', digest: d });
    expect(parseReference('busybox', '1.2')).toMatchObject({ tag: '1.2' });
  });

  it('refuses bad references', () => {
    expect(() => parseReference('Busybox')).toThrow(/invalid reference format/);
    expect(() => parseReference('a//b')).toThrow(/invalid reference format/);
    expect(() => parseReference('app@sha256:xyz')).toThrow(/sha256:<64 hex>/);
    expect(() => parseReference('app:bad tag')).toThrow(/invalid reference format/);
  });

  it('local names drop docker.io/library/ and give digest pulls a tag of their own', () => {
    expect(localName(parseReference('busybox'))).toBe('busybox:latest');
    expect(familiarRepository(parseReference('docker.io/team/app'))).toBe('team/app');
    const d = `sha256:${'b'.repeat(64)}`;
    expect(localName(parseReference(`127.0.0.1:5000/app@${d}`))).toBe(`127.0.0.1:5000/app:sha256-${'b'.repeat(64)}`);
  });

  it('allows plain HTTP to loopback and to listed registries only', () => {
    expect(isInsecure('127.0.0.1:5000', [])).toBe(true);
    expect(isInsecure('127.9.9.9', [])).toBe(true);
    expect(isInsecure('[::1]:5000', [])).toBe(true);
    expect(isInsecure('localhost:5000', [])).toBe(true);
    expect(isInsecure('registry.example:5000', [])).toBe(false);
    expect(isInsecure('registry.example:5000', ['registry.example:5000'])).toBe(true);
    expect(isInsecure('10.0.0.1:5000', ['10.0.0.2:5000'])).toBe(false);
  });
});

describe('authentication', () => {
  it('parses bearer and basic challenges', () => {
    expect(parseChallenges('Bearer realm="https://auth.example/token",service="registry.example",scope="repository:a/b:pull"')).toEqual([
      { scheme: 'bearer', params: { realm: 'https://auth.example/token', service: 'registry.example', scope: 'repository:a/b:pull' } },
    ]);
    expect(parseChallenges('Basic realm="strata-test"')).toEqual([{ scheme: 'basic', params: { realm: 'strata-test' } }]);
    expect(parseChallenges(undefined)).toEqual([]);
  });

  it('decodes X-Registry-Auth as the docker CLI sends it', () => {
    const h = Buffer.from(JSON.stringify({ username: 'u', password: 'p?>', serveraddress: 'h:1' })).toString('base64url');
    expect(decodeRegistryAuth(h)).toEqual({ username: 'u', password: 'p?>', serverAddress: 'h:1' });
    expect(decodeRegistryAuth('e30=')).toEqual({});
    expect(() => decodeRegistryAuth('!!!')).toThrow(/X-Registry-Auth/);
  });

  it('reads credentials from a docker config', () => {
    const dir = mkdtempSync(join(tmpdir(), 'strata-dcfg-'));
    try {
      writeFileSync(join(dir, 'config.json'), JSON.stringify({ auths: { 'reg.example:5000': { auth: Buffer.from('me:secret').toString('base64') }, 'https://index.docker.io/v1/': { auth: Buffer.from('hub:pw').toString('base64') } } }));
      expect(credentialsFor('reg.example:5000', { DOCKER_CONFIG: dir })).toEqual({ username: 'me', password: 'secret' });
      expect(credentialsFor('docker.io', { DOCKER_CONFIG: dir })).toEqual({ username: 'hub', password: 'pw' });
      expect(credentialsFor('other:1', { DOCKER_CONFIG: dir })).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('platform selection', () => {
  const entry = (architecture: string, variant?: string) => ({
    mediaType: 'application/vnd.oci.image.manifest.v1+json', digest: `sha256:${architecture.padEnd(64, '0').replace(/[^0-9a-f]/g, '1').slice(0, 63)}${variant ? variant.length : 0}`, size: 10,
    platform: { os: 'linux', architecture, ...(variant ? { variant } : {}) },
  });
  const index: FetchedManifest = {
    mediaType: 'application/vnd.oci.image.index.v1+json', digest: '', bytes: Buffer.alloc(0),
    doc: { manifests: [entry('arm', 'v6'), entry('arm', 'v7'), entry('arm64', 'v8'), entry('amd64')] },
  };
  it('matches os, architecture and variant', () => {
    expect(selectPlatform(index, { os: 'linux', architecture: 'amd64' }, 'x').platform?.architecture).toBe('amd64');
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm', variant: 'v7' }, 'x').platform?.variant).toBe('v7');
    expect(selectPlatform(index, { os: 'linux', architecture: 'arm64' }, 'x').platform?.variant).toBe('v8');
    expect(() => selectPlatform(index, { os: 'linux', architecture: 's390x' }, 'img')).toThrow(/no matching manifest for linux\/s390x/);
  });
});
