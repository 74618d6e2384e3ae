// Registry credentials on the client side, as the docker CLI keeps them:
// $DOCKER_CONFIG/config.json (default ~/.docker/config.json), "auths" keyed
// by registry ("https://index.docker.io/v1/" for Docker Hub) with base64
// "user:password" in "auth".  Sent to the daemon as X-Registry-Auth (base64url
// JSON) on pull and push, and checked with POST /auth on login.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

import type { Transport } from './transport.ts';

export const HUB_KEY = 'https://index.docker.io/v1/';

export interface AuthConfig {
  username?: string;
  password?: string;
  serveraddress?: string;
  identitytoken?: string;
}

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

type ConfigDoc = Record<string, unknown> & { auths?: Record<string, { auth?: string; identitytoken?: string }> };

function readDoc(path: string): ConfigDoc {
  try {
    const v = JSON.parse(readFileSync(path, 'utf8')) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as ConfigDoc) : {};
  } catch {
    return {};
  }
}

function writeDoc(path: string, doc: ConfigDoc): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(doc, null, '\t')}\n`, { mode: 0o600 });
  renameSync(tmp, path);
}

/** The registry part of an image reference ("docker.io" when it names none). */
export function registryOf(image: string): string {
  const first = image.split('/')[0] ?? '';
  const hasRegistry = image.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  return hasRegistry ? first : 'docker.io';
}

/** config.json's key for a registry address given to login/logout. */
export function serverKey(server: string | undefined): string {
  if (!server) return HUB_KEY;
  const s = server.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  return s === 'docker.io' || s === 'index.docker.io' || s === 'registry-1.docker.io' ? HUB_KEY : s;
}

export function storedAuth(server: string, env: NodeJS.ProcessEnv = process.env): AuthConfig | undefined {
  const key = serverKey(server === 'docker.io' ? undefined : server);
  const auths = readDoc(configPath(env)).auths ?? {};
  const e = auths[key] ?? auths[`https://${key}`] ?? auths[`http://${key}`];
  if (!e) return undefined;
  const out: AuthConfig = { serveraddress: key };
  if (e.auth) {
    const text = Buffer.from(e.auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) {
      out.username = text.slice(0, i);
      out.password = text.slice(i + 1);
    }
  }
  if (e.identitytoken) out.identitytoken = e.identitytoken;
  return out;
}

export function saveAuth(server: string, username: string, password: string, env: NodeJS.ProcessEnv = process.env): string {
  const path = configPath(env);
  const doc = readDoc(path);
  doc.auths = { ...(doc.auths ?? {}), [serverKey(server)]: { auth: Buffer.from(`${username}:${password}`).toString('base64') } };
  writeDoc(path, doc);
  return path;
}

/** Forget a registry's credentials; false when there were none. */
export function removeAuth(server: string, env: NodeJS.ProcessEnv = process.env): boolean {
  const path = configPath(env);
  const doc = readDoc(path);
  const key = serverKey(server);
  if (!doc.auths || !(key in doc.auths)) return false;
  delete doc.auths[key];
  writeDoc(path, doc);
  return true;
}

/** X-Registry-Auth for an image: its registry's stored credentials, or anonymous ("{}"). */
export function encodeAuth(a: AuthConfig | undefined): string {
  return Buffer.from(JSON.stringify(a ?? {})).toString('base64url');
}

export function authHeaderFor(image: string, env: NodeJS.ProcessEnv = process.env): string {
  return encodeAuth(storedAuth(registryOf(image), env));
}

export interface LoginResult {
  Status: string;
  IdentityToken?: string;
}

/** POST /auth: the daemon checks the credentials against the registry. */
export function login(t: Transport, a: AuthConfig): Promise<LoginResult> {
  return t.json({ method: 'POST', path: '/auth', body: a });
}
