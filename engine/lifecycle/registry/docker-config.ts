// Credentials from a docker config file ($DOCKER_CONFIG/config.json or
// ~/.docker/config.json): the "auths" entries docker login writes (base64
// "user:password" in "auth").  Credential helpers are not consulted.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

import { credentialsFromJson, type Credentials } from './auth.ts';
import { DOCKER_HUB } from './reference.ts';

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG || join(homedir(), '.docker'), 'config.json');
}

/** The keys docker uses for a registry: Docker Hub is "https://index.docker.io/v1/". */
export function authKeys(registry: string): string[] {
  if (registry === DOCKER_HUB) return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`, `https://${registry}/v1/`, `https://${registry}/v2/`];
}

export function credentialsFor(registry: string, env: NodeJS.ProcessEnv = process.env): Credentials | undefined {
  let doc: unknown;
  try {
    doc = JSON.parse(readFileSync(dockerConfigPath(env), 'utf8'));
  } catch {
    return undefined;
  }
  const auths = (doc as { auths?: unknown }).auths;
  if (!auths || typeof auths !== 'object') return undefined;
  for (const k of authKeys(registry)) {
    const e = (auths as Record<string, unknown>)[k];
    if (e && typeof e === 'object') {
      const { serverAddress: _s, ...c } = credentialsFromJson(e as Record<string, unknown>);
      if (Object.keys(c).length > 0) return c;
    }
  }
  return undefined;
}
