// Registry credentials and WWW-Authenticate challenges: Bearer (a token from
// the realm, for service and scope, anonymous or with basic credentials or a
// refresh token) and Basic.  Docker's X-Registry-Auth header is base64url JSON.
import { invalidArgument } from '../../errors.ts';

export interface Credentials {
  username?: string;
  password?: string;
  /** A refresh token from an earlier login (OAuth2 against the realm). */
  identityToken?: string;
  /** A bearer token to use as is. */
  registryToken?: string;
}

export interface Challenge {
  scheme: 'bearer' | 'basic';
  params: Record<string, string>;
}

/** `Bearer realm="...",service="...",scope="..."` -> challenges (several may be given). */
export function parseChallenges(header: string | string[] | undefined): Challenge[] {
  const out: Challenge[] = [];
  for (const h of Array.isArray(header) ? header : header ? [header] : []) {
    const re = /\s*([A-Za-z]+)\s*((?:[a-zA-Z_]+=(?:"[^"]*"|[^,\s]*)\s*,?\s*)*)/gy;
    let m: RegExpExecArray | null;
    while ((m = re.exec(h)) && m[0] !== '') {
      const scheme = (m[1] ?? '').toLowerCase();
      const params: Record<string, string> = {};
      for (const p of (m[2] ?? '').matchAll(/([a-zA-Z_]+)=(?:"([^"]*)"|([^,\s]*))/g)) params[(p[1] ?? '').toLowerCase()] = p[2] ?? p[3] ?? '';
      if (scheme === 'bearer' || scheme === 'basic') out.push({ scheme, params });
    }
  }
  return out;
}

export function basicHeader(c: Credentials): string | undefined {
  if (!c.username && !c.password) return undefined;
  return `Basic ${Buffer.from(`${c.username ?? ''}:${c.password ?? ''}`).toString('base64')}`;
}

export function hasCredentials(c: Credentials | undefined): boolean {
  return !!c && !!(c.username || c.password || c.identityToken || c.registryToken);
}

/** Docker's X-Registry-Auth: base64url(JSON {username,password,auth,serveraddress,identitytoken,registrytoken}); "" is anonymous. */
export function decodeRegistryAuth(header: string | undefined): Credentials & { serverAddress?: string } {
  if (!header) return {};
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(header.replace(/-/g, '+').replace(/_/g, '/'), 'base64').toString('utf8'));
  } catch {
    throw invalidArgument('stratad', 'X-Registry-Auth is not base64-encoded JSON');
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) return {};
  return credentialsFromJson(v as Record<string, unknown>);
}

/** The fields of an auth config object (X-Registry-Auth, POST /auth body, config.json entry). */
export function credentialsFromJson(o: Record<string, unknown>): Credentials & { serverAddress?: string } {
  const s = (k: string) => (typeof o[k] === 'string' && o[k] !== '' ? (o[k] as string) : undefined);
  let username = s('username');
  let password = s('password');
  const auth = s('auth');
  if (auth && !username && !password) {
    const text = Buffer.from(auth, 'base64').toString('utf8');
    const i = text.indexOf(':');
    if (i > 0) {
      username = text.slice(0, i);
      password = text.slice(i + 1);
    }
  }
  const out: Credentials & { serverAddress?: string } = {};
  if (username) out.username = username;
  if (password) out.password = password;
  const it = s('identitytoken') ?? s('identityToken');
  const rt = s('registrytoken') ?? s('registryToken');
  const sa = s('serveraddress') ?? s('serverAddress');
  if (it) out.identityToken = it;
  if (rt) out.registryToken = rt;
  if (sa) out.serverAddress = sa;
  return out;
}
