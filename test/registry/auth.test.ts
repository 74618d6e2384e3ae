// A registry behind htpasswd basic auth: docker login through stratad's
// POST /auth with good and bad credentials, push and pull with the stored
// credentials (X-Registry-Auth), refusal without them; strata login/logout
// keep ~/.docker/config.json ($DOCKER_CONFIG) as docker does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { runCommand } from '../helpers/run.ts';
import { stratadSuite, type Stratad } from '../helpers/stratad.ts';
import { httpGet, startRegistry, type Registry } from './registry-server.ts';

const CLI = join(fileURLToPath(new URL('../..', import.meta.url)), 'bin', 'strata');
const USER = 'tester';
const PASSWORD = 'correct-horse-battery';

let s: Stratad;
let reg: Registry;
stratadSuite((d) => (s = d));

beforeAll(async () => {
  reg = await startRegistry({ user: USER, password: PASSWORD });
}, 30_000);
afterAll(async () => {
  await reg?.stop();
});

const configFile = () => join(s.engine.dir, 'docker-config', 'config.json');

function cli(args: string[], input?: string) {
  return runCommand(CLI, args, { input, env: { ...process.env, DOCKER_HOST: `unix://${s.socket}`, DOCKER_CONFIG: join(s.engine.dir, 'docker-config') } });
}

describe('a registry with basic auth', () => {
  it('refuses anonymous pushes and pulls with the registry\'s words', async () => {
    expect((await httpGet(`http://${reg.host}/v2/`)).status).toBe(401);
    const ref = `${reg.host}/secret/busybox:1`;
    await s.dockerOk(['tag', 'busybox:latest', ref]);
    const r = await s.docker(['push', ref]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(new RegExp(`registry ${reg.host}: authentication required`));
    const p = await s.docker(['pull', ref]);
    expect(p.code).not.toBe(0);
    expect(p.stderr).toMatch(/authentication required/);
  }, 60_000);

  it('docker login with a bad password fails and stores nothing', async () => {
    const r = await s.docker(['login', '-u', USER, '--password-stdin', reg.host], { input: 'wrong-password\n' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/unauthorized/i);
    expect(existsSync(configFile()) ? readFileSync(configFile(), 'utf8') : '').not.toContain(reg.host);
    const raw = await s.http('POST', '/auth', JSON.stringify({ username: USER, password: 'nope', serveraddress: reg.host }), { 'Content-Type': 'application/json' });
    expect(raw.status).toBe(401);
    expect(JSON.parse(raw.body.toString()).message).toMatch(/unauthorized/i);
  }, 60_000);

  it('docker login with good credentials; push and pull use them', async () => {
    const r = await s.docker(['login', '-u', USER, '--password-stdin', reg.host], { input: `${PASSWORD}\n` });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('Login Succeeded');
    const cfg = JSON.parse(readFileSync(configFile(), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(cfg.auths[reg.host]?.auth ?? '', 'base64').toString()).toBe(`${USER}:${PASSWORD}`);
    const raw = await s.http('POST', '/auth', JSON.stringify({ username: USER, password: PASSWORD, serveraddress: reg.host }), { 'Content-Type': 'application/json' });
    expect(raw.status).toBe(200);
    expect(JSON.parse(raw.body.toString())).toMatchObject({ Status: 'Login Succeeded' });

    const ref = `${reg.host}/secret/busybox:1`;
    const push = await s.dockerOk(['push', ref], { timeoutMs: 120_000 });
    expect(push).toMatch(/1: digest: sha256:[0-9a-f]{64}/);
    await s.dockerOk(['rmi', ref]);
    const pull = await s.dockerOk(['pull', ref], { timeoutMs: 120_000 });
    expect(pull).toContain(`Status: Downloaded newer image for ${ref}`);
    expect(await s.dockerOk(['run', '--rm', ref, 'echo', 'auth-ok'])).toBe('auth-ok');

    await s.dockerOk(['logout', reg.host]);
    await s.dockerOk(['rmi', ref]);
    const again = await s.docker(['pull', ref]);
    expect(again.code).not.toBe(0);
    expect(again.stderr).toMatch(/authentication required/);
  }, 180_000);

  it('strata login and logout keep the docker config', async () => {
    const bad = await cli(['login', '-u', USER, '--password-stdin', reg.host], 'bad\n');
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/Error response from daemon: .*unauthorized/i);
    const good = await cli(['login', '-u', USER, '--password-stdin', reg.host], `${PASSWORD}\n`);
    expect(good.code, good.stderr).toBe(0);
    expect(good.stdout).toContain('Login Succeeded');
    const cfg = JSON.parse(readFileSync(configFile(), 'utf8')) as { auths: Record<string, { auth: string }> };
    expect(Buffer.from(cfg.auths[reg.host]?.auth ?? '', 'base64').toString()).toBe(`${USER}:${PASSWORD}`);
    // The docker CLI reads what strata wrote.
    const ref = `${reg.host}/secret/busybox:1`;
    const pull = await s.dockerOk(['pull', ref], { timeoutMs: 120_000 });
    expect(pull).toContain('Digest: sha256:');
    const out = await cli(['logout', reg.host]);
    expect(out.stdout).toContain(`Removing login credentials for ${reg.host}`);
    const after = JSON.parse(readFileSync(configFile(), 'utf8')) as { auths: Record<string, unknown> };
    expect(after.auths[reg.host]).toBeUndefined();
    await s.dockerOk(['rmi', ref]);
  }, 120_000);
});
