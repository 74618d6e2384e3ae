// One HTTP exchange with a registry over Node's http/https.  Plain HTTP is
// used only for registries allowed to be insecure, and even then HTTPS is
// tried first (as Docker does); a redirect is followed to its target (blob
// storage behind a registry), dropping our Authorization there.
import http, { type IncomingMessage } from 'node:http';
import https from 'node:https';
import type { Readable } from 'node:stream';

import { unavailable } from '../../errors.ts';

export interface SendOptions {
  method: string;
  url: string;
  headers?: Record<string, string>;
  /** A buffer, or a function making a fresh stream (so a redirect can resend it). */
  body?: Buffer | (() => Readable);
  /** Skip certificate checks (insecure registries over HTTPS). */
  insecureTls?: boolean;
  signal?: AbortSignal;
  timeoutMs?: number;
}

const MAX_REDIRECTS = 5;

export async function send(opts: SendOptions): Promise<IncomingMessage> {
  let url = opts.url;
  let headers = { ...(opts.headers ?? {}) };
  for (let hop = 0; ; hop++) {
    const res = await once(url, { ...opts, headers });
    const loc = res.headers.location;
    if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && loc && opts.method !== 'PUT' && opts.method !== 'PATCH' && opts.method !== 'POST') {
      res.resume();
      if (hop >= MAX_REDIRECTS) throw unavailable('lifecycled', `${opts.method} ${opts.url}: too many redirects`);
      const next = new URL(loc, url);
      if (next.host !== new URL(url).host) {
        const { Authorization: _drop, ...rest } = headers;
        headers = rest;
      }
      url = next.toString();
      continue;
    }
    return res;
  }
}

function once(url: string, opts: SendOptions & { headers: Record<string, string> }): Promise<IncomingMessage> {
  const u = new URL(url);
  const mod = u.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const req = mod.request(
      u,
      {
        method: opts.method,
        headers: { 'User-Agent': 'strata/0.1', ...opts.headers },
        signal: opts.signal,
        ...(u.protocol === 'https:' ? { rejectUnauthorized: !opts.insecureTls } : {}),
        timeout: opts.timeoutMs ?? 30_000,
      },
      resolve,
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${Math.round((opts.timeoutMs ?? 30_000) / 1000)}s`)));
    req.on('error', reject);
    const body = opts.body;
    if (body === undefined) req.end();
    else if (Buffer.isBuffer(body)) req.end(body);
    else {
      const src = body();
      src.on('error', (e) => req.destroy(e));
      src.pipe(req);
    }
  });
}

/** The whole body (bounded: manifests, tokens and error documents are small). */
export async function readBody(res: IncomingMessage, limit = 8 << 20): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let n = 0;
  for await (const c of res) {
    n += (c as Buffer).length;
    if (n > limit) {
      res.destroy();
      throw unavailable('lifecycled', `registry answer larger than ${limit} bytes`);
    }
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** The registry's own words from an error body ({"errors":[{"code","message"}]}), or the status line. */
export function registryMessage(status: number, body: Buffer): string {
  try {
    const v = JSON.parse(body.toString('utf8')) as { errors?: { code?: string; message?: string; detail?: unknown }[]; details?: string; message?: string };
    const errs = Array.isArray(v.errors) ? v.errors : [];
    if (errs.length > 0) return errs.map((e) => `${(e.code ?? '').toLowerCase().replace(/_/g, ' ')}: ${e.message ?? ''}`.replace(/^: /, '')).join('; ');
    if (typeof v.details === 'string') return v.details;
    if (typeof v.message === 'string') return v.message;
  } catch {
    /* not JSON */
  }
  const text = body.toString('utf8').trim().slice(0, 200);
  return text || `HTTP ${status} ${http.STATUS_CODES[status] ?? ''}`.trim();
}

/** Connection-level failures, described for a person: "connection refused", "no answer". */
export function describeNetworkError(e: unknown): string {
  const code = (e as { code?: string }).code;
  const msg = e instanceof Error ? e.message : String(e);
  if (code === 'ECONNREFUSED') return 'connection refused (is the registry running?)';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
  if (code === 'ECONNRESET') return 'connection reset';
  if (code === 'ETIMEDOUT') return 'connection timed out';
  return msg;
}

/** An error that only HTTPS-on-a-plain-HTTP-port gives (so plain HTTP may be tried). */
export function isTlsMismatch(e: unknown): boolean {
  const code = (e as { code?: string }).code ?? '';
  const msg = e instanceof Error ? e.message : '';
  return code === 'EPROTO' || code.startsWith('ERR_SSL') || /wrong version number|ssl|tls/i.test(msg) || code === 'ECONNRESET';
}
