// A registry behind a bearer token service: anonymous pulls get a pull-only
// token for the repository's scope; pushes need a token bought with the
// credentials docker login stored.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { stratadSuite, type Stratad } from '../helpers/stratad.ts';
import { httpGet, startRegistry, type Registry } from './registry-server.ts';
import { startTokenServer, type TokenServer } from './token-server.ts';

const USER = 'bearer-user';
const PASSWORD = 'bearer-pass';

let s: Stratad;
let reg: Registry;
let tokens: TokenServer;
let dir: string;
stratadSuite((d) => (s = d));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'strata-token-'));
  tokens = await startTokenServer(dir, USER, PASSWORD);
  reg = await startRegistry({ token: tokens });
}, 30_000);
afterAll(async () => {
  await reg?.stop();
  await tokens?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a registry with bearer tokens', () => {
  it('challenges with Bearer', async () => {
    const r = await httpGet(`http://${reg.host}/v2/`);
    expect(r.status).toBe(401);
    expect(String(r.headers['www-authenticate'])).toMatch(/^Bearer realm=/);
  });

  it('refuses an anonymous push (pull-only token), then pushes with credentials and pulls anonymously', async () => {
    const ref = `${reg.host}/tok/busybox:1`;
    await s.dockerOk(['tag', 'busybox:latest', ref]);
    const anon = await s.docker(['push', ref]);
    expect(anon.code).not.toBe(0);
    expect(anon.stderr).toMatch(/unauthorized|denied/i);
    expect(tokens.seen.some((l) => l.startsWith('anonymous') && l.includes('repository:tok/busybox:pull,push'))).toBe(true);

    const bad = await s.docker(['login', '-u', USER, '--password-stdin', reg.host], { input: 'nope\n' });
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('incorrect username or password');
    await s.dockerOk(['login', '-u', USER, '--password-stdin', reg.host], { input: `${PASSWORD}\n` });
    const push = await s.dockerOk(['push', ref], { timeoutMs: 120_000 });
    expect(push).toMatch(/1: digest: sha256:[0-9a-f]{64}/);
    await s.dockerOk(['logout', reg.host]);

    await s.dockerOk(['rmi', ref]);
    const seenBefore = tokens.seen.length;
    const pull = await s.dockerOk(['pull', ref], { timeoutMs: 120_000 });
    expect(pull).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(tokens.seen.slice(seenBefore)).toContain('anonymous repository:tok/busybox:pull');
    expect(await s.dockerOk(['run', '--rm', ref, 'echo', 'bearer-ok'])).toBe('bearer-ok');
    await s.dockerOk(['rmi', ref]);
  }, 180_000);
});
