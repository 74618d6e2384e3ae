// The HTTP layer under the client: one request function over a Unix socket
// or TCP (optionally TLS), the API version prefix negotiated once per
// client, error statuses turned into ApiError, unreachable hosts into
// ConnectionError, and the hijack that attach and exec start need.
//
//   client                                   daemon
//   GET /_ping                       ->
//                                    <-      200 OK, Api-Version: 1.50
//   POST /v1.50/containers/create    ->      (version = min(server, ours))
//   POST /v1.50/containers/X/attach  ->      Connection: Upgrade, Upgrade: tcp
//                                    <-      101 UPGRADED, then a raw byte pipe
import { Agent as HttpAgent, request as httpRequest, type ClientRequest, type IncomingMessage, type OutgoingHttpHeaders, type RequestOptions as NodeRequestOptions } from 'node:http';
import { createRequire } from 'node:module';
import type { Socket } from 'node:net';
import { Duplex, Readable } from 'node:stream';

import { ApiError, asConnectionError, messageFromBody } from './errors.ts';
import { DEFAULT_HOST, parseHost, type Endpoint } from './host.ts';
import { negotiate, OUR_API_VERSION } from './version.ts';

// node:https pulls in tls and crypto (~10 ms of start-up): loaded only for TLS hosts.
type HttpsModule = typeof import('node:https');
let httpsModule: HttpsModule | undefined;
const https = (): HttpsModule => (httpsModule ??= createRequire(import.meta.url)('node:https') as HttpsModule);

export interface TlsOptions {
  ca?: string | Buffer;
  cert?: string | Buffer;
  key?: string | Buffer;
  /** Default true: check the daemon's certificate against ca. */
  verify?: boolean;
}

export interface ClientOptions {
  /** unix:///run/strata/strata.sock (default), tcp://host:port. */
  host?: string;
  tls?: TlsOptions;
  /** A fixed API version ("1.45"): skips the negotiation ping, like DOCKER_API_VERSION. */
  version?: string;
  /** Sent as User-Agent. */
  userAgent?: string;
  /** Sent with every request of this client (e.g. X-Strata-Trace). */
  headers?: Record<string, string>;
}

export type QueryValue = string | number | boolean | undefined | null | string[] | Record<string, unknown>;
export type Query = Record<string, QueryValue>;

export interface RequestOptions {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  path: string;
  query?: Query;
  /** A plain value is sent as JSON; a Buffer or stream as is. */
  body?: unknown;
  headers?: OutgoingHttpHeaders;
  /** false for /_ping and other unversioned paths. */
  versioned?: boolean;
  /** Long-lived response (logs -f, events, stats): its own connection, no keep-alive. */
  stream?: boolean;
}

export function encodeQuery(query: Query | undefined): string {
  if (!query) return '';
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null) continue;
    if (Array.isArray(v)) for (const item of v) q.append(k, item);
    else if (typeof v === 'boolean') q.append(k, v ? '1' : '0');
    else if (typeof v === 'object') q.append(k, JSON.stringify(v));
    else q.append(k, String(v));
  }
  const s = q.toString();
  return s ? `?${s}` : '';
}

/** Read a whole response body. */
export async function readAll(res: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(typeof c === 'string' ? Buffer.from(c) : (c as Buffer));
  return Buffer.concat(chunks);
}

export class Transport {
  readonly endpoint: Endpoint;
  private readonly agent: HttpAgent;
  private readonly tls: TlsOptions | undefined;
  private readonly userAgent: string;
  private readonly headers: Record<string, string>;
  private version: Promise<string> | undefined;

  constructor(options: ClientOptions = {}) {
    this.endpoint = parseHost(options.host ?? DEFAULT_HOST);
    this.headers = { ...options.headers };
    this.tls = options.tls;
    this.userAgent = options.userAgent ?? 'strata-client';
    if (options.version !== undefined) this.version = Promise.resolve(options.version);
    const agentOpts = { keepAlive: true, maxSockets: 16 };
    this.agent = this.tls ? new (https().Agent)({ ...agentOpts, ...this.tlsFields() }) : new HttpAgent(agentOpts);
  }

  /** The negotiated API version ("1.47"); pings the daemon the first time. */
  apiVersion(): Promise<string> {
    if (!this.version) {
      const v = negotiate(this, OUR_API_VERSION);
      // A failed negotiation (daemon down) is retried next time, not cached.
      v.catch(() => (this.version = undefined));
      this.version = v;
    }
    return this.version;
  }

  /** Set (or, with undefined, remove) a header sent with every later request of this client. */
  setHeader(name: string, value: string | undefined): void {
    if (value === undefined) delete this.headers[name];
    else this.headers[name] = value;
  }

  /** Drop pooled connections so the process can exit. */
  close(): void {
    this.agent.destroy();
  }

  /** One request; resolves with the response once its headers arrive, throws ApiError on >= 400. */
  async request(opts: RequestOptions): Promise<IncomingMessage> {
    const path = await this.fullPath(opts);
    const { req, payload } = this.prepare(opts, path, opts.stream ? false : this.agent);
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      req.once('response', resolve);
      req.once('error', (e) => reject(asConnectionError(e, this.endpoint.url) ?? e));
      send(req, payload, reject);
    });
    if ((res.statusCode ?? 0) >= 400) throw await this.errorFrom(res, opts, path);
    return res;
  }

  /** A request whose JSON answer is returned (undefined for an empty body). */
  async json<T>(opts: RequestOptions): Promise<T> {
    const res = await this.request(opts);
    const body = (await readAll(res)).toString('utf8');
    if (body.trim() === '') return undefined as T;
    return JSON.parse(body) as T;
  }

  /** A request whose body is ignored (204 and 304 answers). */
  async empty(opts: RequestOptions): Promise<number> {
    const res = await this.request(opts);
    res.resume();
    await new Promise<void>((r) => (res.complete ? r() : res.once('end', r).once('close', r)));
    return res.statusCode ?? 0;
  }

  /**
   * Take over the connection (attach, exec start): ask to upgrade to "tcp";
   * a daemon answering 101 hands over its socket, one answering 200 (the
   * raw-stream fallback dockerd uses without Upgrade) streams the body until
   * close and reads what we write to the same socket.
   */
  async hijack(opts: RequestOptions): Promise<{ stream: Duplex; contentType: string }> {
    const path = await this.fullPath(opts);
    const headers = { Connection: 'Upgrade', Upgrade: 'tcp', ...opts.headers };
    const { req, payload } = this.prepare({ ...opts, headers }, path, false);
    return new Promise((resolve, reject) => {
      req.once('upgrade', (res: IncomingMessage, socket: Socket, head: Buffer) => {
        if (head.length > 0) socket.unshift(head);
        socket.setNoDelay(true);
        resolve({ stream: socket, contentType: String(res.headers['content-type'] ?? '') });
      });
      req.once('response', (res: IncomingMessage) => {
        if ((res.statusCode ?? 0) >= 400) {
          this.errorFrom(res, opts, path).then(reject, reject);
          return;
        }
        resolve({ stream: rawStreamDuplex(res), contentType: String(res.headers['content-type'] ?? '') });
      });
      req.once('error', (e) => reject(asConnectionError(e, this.endpoint.url) ?? e));
      send(req, payload, reject);
    });
  }

  private async fullPath(opts: RequestOptions): Promise<string> {
    const prefix = opts.versioned === false ? '' : `/v${await this.apiVersion()}`;
    return `${prefix}${opts.path}${encodeQuery(opts.query)}`;
  }

  private tlsFields(): Pick<NodeRequestOptions & { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean }, 'ca' | 'cert' | 'key' | 'rejectUnauthorized'> {
    const t = this.tls ?? {};
    return { ca: t.ca, cert: t.cert, key: t.key, rejectUnauthorized: t.verify !== false };
  }

  private prepare(opts: RequestOptions, path: string, agent: HttpAgent | false): { req: ClientRequest; payload: Buffer | Readable | undefined } {
    const headers: OutgoingHttpHeaders = { 'User-Agent': this.userAgent, ...this.headers, ...opts.headers };
    let payload: Buffer | Readable | undefined;
    if (opts.body instanceof Readable) {
      payload = opts.body;
      headers['Content-Type'] ??= 'application/x-tar';
    } else if (Buffer.isBuffer(opts.body)) {
      payload = opts.body;
      headers['Content-Type'] ??= 'application/octet-stream';
    } else if (opts.body !== undefined) {
      payload = Buffer.from(JSON.stringify(opts.body));
      headers['Content-Type'] ??= 'application/json';
    }
    if (Buffer.isBuffer(payload)) headers['Content-Length'] = payload.length;
    else if (payload === undefined && opts.method !== 'GET' && opts.method !== 'HEAD') headers['Content-Length'] = 0;
    const ep = this.endpoint;
    const base: NodeRequestOptions = { method: opts.method, path, headers, agent };
    if (ep.kind === 'unix') {
      // The Host header is required by HTTP/1.1; docker sends api.moby.localhost too.
      return { req: httpRequest({ ...base, socketPath: ep.socketPath, host: 'localhost' }), payload };
    }
    if (this.tls) return { req: https().request({ ...base, host: ep.host, port: ep.port, ...this.tlsFields() }), payload };
    return { req: httpRequest({ ...base, host: ep.host, port: ep.port }), payload };
  }

  private async errorFrom(res: IncomingMessage, opts: RequestOptions, path: string): Promise<ApiError> {
    const body = opts.method === 'HEAD' ? '' : (await readAll(res)).toString('utf8');
    const status = res.statusCode ?? 0;
    const message = body.trim() === '' && status === 404 ? 'not found' : messageFromBody(body, res.headers['content-type'], status);
    return new ApiError(status, message, `${opts.method} ${path}`);
  }
}

function send(req: ClientRequest, payload: Buffer | Readable | undefined, reject: (e: unknown) => void): void {
  if (payload instanceof Readable) {
    payload.once('error', (e) => {
      req.destroy(e);
      reject(e);
    });
    payload.pipe(req);
  } else req.end(payload);
}

/** A 200 raw stream as a duplex: read the response body, write to its socket. */
function rawStreamDuplex(res: IncomingMessage): Duplex {
  const socket = res.socket;
  const duplex = new Duplex({
    read() {
      res.resume();
    },
    write(chunk: Buffer, _enc, cb) {
      socket.write(chunk, cb);
    },
    final(cb) {
      // Half-close so the daemon sees stdin EOF but can still answer.
      socket.end();
      cb();
    },
    destroy(err, cb) {
      socket.destroy();
      cb(err);
    },
  });
  res.on('data', (c: Buffer) => {
    if (!duplex.push(c)) res.pause();
  });
  res.once('end', () => duplex.push(null));
  res.once('error', (e) => duplex.destroy(e));
  return duplex;
}
