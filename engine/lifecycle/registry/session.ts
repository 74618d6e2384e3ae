// A session with one registry for one repository: finds the scheme (HTTPS,
// or plain HTTP for insecure registries), answers the /v2/ challenge once
// (bearer token for the needed scopes, or basic), then sends requests with
// that authorization, renewing it once when a request is refused with 401.
import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';

import { EngineError, failedPrecondition, invalidArgument, notFound, unavailable } from '../../errors.ts';
import { basicHeader, hasCredentials, parseChallenges, type Challenge, type Credentials } from './auth.ts';
import { describeNetworkError, isTlsMismatch, readBody, registryMessage, send } from './http.ts';
import { apiHost, isInsecure } from './reference.ts';

export interface SessionOptions {
  registry: string;
  credentials?: Credentials;
  /** Registries (host:port or host) allowed plain HTTP besides loopback. */
  insecureRegistries?: readonly string[];
  signal?: AbortSignal;
}

export interface RequestOptions {
  headers?: Record<string, string>;
  body?: Buffer | (() => Readable);
  /** Full URL (upload locations) instead of a path. */
  url?: string;
  timeoutMs?: number;
}

/** Authentication failed: the registry's own words are in the message. */
export class AuthError extends EngineError {
  constructor(message: string) {
    super('FailedPrecondition', 'lifecycled', message);
  }
}

export class RegistrySession {
  readonly registry: string;
  private base = '';
  private insecureTls = false;
  private challenge: Challenge | undefined;
  private authorization: string | undefined;
  private scopes: string[] = [];

  constructor(private readonly opts: SessionOptions) {
    this.registry = opts.registry;
  }

  get baseUrl(): string {
    return this.base;
  }

  /** GET /v2/: picks the scheme and remembers the challenge; then authorizes for the scopes. */
  async connect(scopes: string[]): Promise<void> {
    const host = apiHost(this.registry);
    const insecure = isInsecure(this.registry, this.opts.insecureRegistries ?? []);
    let res: IncomingMessage;
    try {
      this.base = `https://${host}`;
      this.insecureTls = insecure;
      res = await this.raw('GET', '/v2/', {});
    } catch (e) {
      if (!insecure || !isTlsMismatch(e)) throw this.unreachable(e);
      this.base = `http://${host}`;
      try {
        res = await this.raw('GET', '/v2/', {});
      } catch (e2) {
        throw this.unreachable(e2);
      }
    }
    const body = await readBody(res, 1 << 20);
    if (res.statusCode === 401) {
      const ch = parseChallenges(res.headers['www-authenticate']);
      this.challenge = ch.find((c) => c.scheme === 'bearer') ?? ch.find((c) => c.scheme === 'basic');
      if (!this.challenge) throw new AuthError(`registry ${this.registry}: 401 without a usable WWW-Authenticate challenge: ${registryMessage(401, body)}`);
      await this.authorize(scopes);
    } else if (res.statusCode !== 200) {
      throw unavailable('lifecycled', `registry ${this.registry}: GET ${this.base}/v2/: ${res.statusCode}: ${registryMessage(res.statusCode ?? 0, body)} (is it a v2 registry?)`);
    }
  }

  private unreachable(e: unknown): EngineError {
    if (e instanceof EngineError) return e;
    return unavailable('lifecycled', `registry ${this.registry} is not reachable: GET ${this.base}/v2/: ${describeNetworkError(e)}`, e);
  }

  /** Answer the challenge: a bearer token for the scopes, or basic credentials. */
  async authorize(scopes: string[]): Promise<void> {
    this.scopes = scopes;
    const ch = this.challenge;
    if (!ch) return;
    const creds = this.opts.credentials ?? {};
    if (ch.scheme === 'basic') {
      const h = basicHeader(creds);
      if (!h) throw new AuthError(`registry ${this.registry}: authentication required (log in with \`docker login ${this.registry}\`)`);
      this.authorization = h;
      return;
    }
    if (creds.registryToken) {
      this.authorization = `Bearer ${creds.registryToken}`;
      return;
    }
    const realm = ch.params.realm;
    if (!realm) throw new AuthError(`registry ${this.registry}: bearer challenge without a realm`);
    let url: URL;
    try {
      url = new URL(realm);
    } catch {
      throw new AuthError(`registry ${this.registry}: bad token realm ${JSON.stringify(realm)}`);
    }
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new AuthError(`registry ${this.registry}: bad token realm ${realm}`);
    const service = ch.params.service ?? '';
    let res: IncomingMessage;
    try {
      if (creds.identityToken) {
        const form = new URLSearchParams({ grant_type: 'refresh_token', refresh_token: creds.identityToken, service, client_id: 'strata' });
        if (scopes.length) form.set('scope', scopes.join(' '));
        res = await send({ method: 'POST', url: url.toString(), headers: { 'Content-Type': 'application/x-www-form-urlencoded' }, body: Buffer.from(form.toString()), insecureTls: this.insecureTls, signal: this.opts.signal });
      } else {
        if (service) url.searchParams.set('service', service);
        for (const s of scopes) url.searchParams.append('scope', s);
        const h = basicHeader(creds);
        res = await send({ method: 'GET', url: url.toString(), headers: h ? { Authorization: h } : {}, insecureTls: this.insecureTls, signal: this.opts.signal });
      }
    } catch (e) {
      throw unavailable('lifecycled', `registry ${this.registry}: token service ${url.origin}: ${describeNetworkError(e)}`, e);
    }
    const body = await readBody(res, 1 << 20);
    if (res.statusCode !== 200) {
      const what = hasCredentials(creds) ? 'authentication failed' : 'anonymous token refused';
      throw new AuthError(`registry ${this.registry}: ${what}: ${registryMessage(res.statusCode ?? 0, body)}`);
    }
    let token: unknown;
    try {
      const v = JSON.parse(body.toString('utf8')) as { token?: unknown; access_token?: unknown };
      token = v.token ?? v.access_token;
    } catch {
      /* checked below */
    }
    if (typeof token !== 'string' || token === '') throw new AuthError(`registry ${this.registry}: the token service answered without a token`);
    this.authorization = `Bearer ${token}`;
  }

  private raw(method: string, path: string, o: RequestOptions): Promise<IncomingMessage> {
    const url = o.url ? new URL(o.url, this.base).toString() : `${this.base}${path}`;
    const headers = { ...(o.headers ?? {}) };
    if (this.authorization) headers.Authorization = this.authorization;
    return send({ method, url, headers, body: o.body, insecureTls: this.insecureTls, signal: this.opts.signal, timeoutMs: o.timeoutMs });
  }

  /** A request; a 401 renews the authorization once (tokens expire) and repeats it. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<IncomingMessage> {
    let res: IncomingMessage;
    try {
      res = await this.raw(method, path, o);
    } catch (e) {
      throw unavailable('lifecycled', `registry ${this.registry}: ${method} ${o.url ?? path}: ${describeNetworkError(e)}`, e);
    }
    if (res.statusCode === 401) {
      const body = await readBody(res, 1 << 20);
      const ch = parseChallenges(res.headers['www-authenticate']);
      const next = ch.find((c) => c.scheme === 'bearer') ?? ch.find((c) => c.scheme === 'basic');
      if (!next) throw new AuthError(`registry ${this.registry}: ${method} ${o.url ?? path}: ${registryMessage(401, body)}`);
      this.challenge = next;
      // A challenge may carry the scope it wants (with its error="insufficient_scope").
      const scopes = next.params.scope ? [...new Set([...this.scopes, ...next.params.scope.split(' ')])] : this.scopes;
      await this.authorize(scopes);
      res = await this.raw(method, path, o);
      if (res.statusCode === 401) {
        const b = await readBody(res, 1 << 20);
        throw new AuthError(`registry ${this.registry}: ${method} ${o.url ?? path}: ${registryMessage(401, b)}`);
      }
    }
    return res;
  }

  /** Turn a failed answer into an error naming the registry and what failed. */
  async fail(res: IncomingMessage, what: string): Promise<never> {
    const body = await readBody(res, 1 << 20).catch(() => Buffer.alloc(0));
    const msg = `registry ${this.registry}: ${what}: ${registryMessage(res.statusCode ?? 0, body)}`;
    if (res.statusCode === 404) throw notFound('lifecycled', msg);
    if (res.statusCode === 401 || res.statusCode === 403) throw new AuthError(msg);
    if (res.statusCode === 400) throw invalidArgument('lifecycled', msg);
    if (res.statusCode === 405) throw failedPrecondition('lifecycled', msg);
    throw unavailable('lifecycled', msg);
  }
}

export function repositoryScope(repository: string, actions: string[]): string {
  return `repository:${repository}:${actions.join(',')}`;
}
