// Checking credentials against a registry (POST /auth): the /v2/ challenge
// answered with them — a token from the realm, or basic — must succeed.
import { invalidArgument } from '../../errors.ts';
import { hasCredentials } from './auth.ts';
import type { DistributionDeps, LoginOptions } from './deps.ts';
import { readBody } from './http.ts';
import { DOCKER_HUB } from './reference.ts';
import { AuthError, RegistrySession } from './session.ts';

export interface LoginResult {
  ok: boolean;
  status: string;
  message: string;
}

/** "https://index.docker.io/v1/" -> docker.io; "http://host:5000/" -> host:5000. */
export function registryOfServerAddress(addr: string): string {
  let a = (addr || DOCKER_HUB).trim();
  a = a.replace(/^[a-z]+:\/\//i, '').replace(/\/.*$/, '');
  if (a === 'index.docker.io' || a === 'registry-1.docker.io' || a === '') return DOCKER_HUB;
  if (!/^[A-Za-z0-9.-]+(?::\d{1,5})?$|^\[[0-9a-fA-F:.]+\](?::\d{1,5})?$/.test(a)) throw invalidArgument('lifecycled', `invalid registry address ${JSON.stringify(addr)}`);
  return a;
}

export async function login(deps: DistributionDeps, o: LoginOptions): Promise<LoginResult> {
  const registry = registryOfServerAddress(o.serverAddress);
  if (!hasCredentials(o.credentials)) throw invalidArgument('lifecycled', 'login: a username and password are required');
  const s = new RegistrySession({ registry, credentials: o.credentials, insecureRegistries: [...deps.insecureRegistries, ...(o.insecureRegistries ?? [])] });
  try {
    await s.connect([]);
    // No challenge at /v2/: the registry lets anyone in; check a request with the credentials too.
    const res = await s.request('GET', '/v2/');
    const body = await readBody(res, 1 << 20);
    if (res.statusCode !== 200) return { ok: false, status: '', message: `registry ${registry}: login failed: ${res.statusCode} ${body.toString('utf8').trim().slice(0, 200)}` };
  } catch (e) {
    // Refused credentials are an answer, not a failure; an unreachable registry is a failure.
    if (e instanceof AuthError) return { ok: false, status: '', message: e.message };
    throw e;
  }
  return { ok: true, status: 'Login Succeeded', message: '' };
}
