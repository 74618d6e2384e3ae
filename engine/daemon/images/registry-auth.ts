// Docker's registry credentials at stratad's edge: X-Registry-Auth (base64url
// JSON, as the docker CLI sends it on pull and push) and the POST /auth body,
// validated into the fields lifecycled's Distribution service takes.  The
// parsing of Docker's auth objects is the registry client's (one reader for
// these, config.json entries included).
import { invalidArgument } from '../../errors.ts';
import type { RegistryAuth } from '../../lifecycle/registry/api.ts';
import { credentialsFromJson, decodeRegistryAuth, type Credentials } from '../../lifecycle/registry/auth.ts';

function wire(c: Credentials): Partial<RegistryAuth> {
  const out: Partial<RegistryAuth> = {};
  if (c.username) out.username = c.username;
  if (c.password) out.password = c.password;
  if (c.identityToken) out.identity_token = c.identityToken;
  if (c.registryToken) out.registry_token = c.registryToken;
  return out;
}

export function decodeRegistryAuthHeader(header: string | string[] | undefined): Partial<RegistryAuth> {
  return wire(decodeRegistryAuth(Array.isArray(header) ? header[0] : header));
}

export function authBody(body: unknown): { auth: Partial<RegistryAuth>; serverAddress: string } {
  if (!body || typeof body !== 'object' || Array.isArray(body)) throw invalidArgument('stratad', 'auth: want a JSON object {username, password, serveraddress}');
  const c = credentialsFromJson(body as Record<string, unknown>);
  const auth = wire(c);
  if (!auth.username && !auth.identity_token && !auth.registry_token) throw invalidArgument('stratad', 'auth: username is required');
  return { auth, serverAddress: c.serverAddress ?? '' };
}
