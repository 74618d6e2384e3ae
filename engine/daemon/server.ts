// The HTTP side of stratad: one handler for plain requests and for upgrade
// requests (attach / exec start hijack), building the RouteContext of
// http-types.ts, translating errors once (EngineError -> status + {"message"}
// with Content-Type exactly application/json: the docker CLI compares the
// header for equality), stamping moby's headers on every answer and feeding
// the request log.
//
//   client                      stratad
//   POST /v1.50/containers/x/attach?stream=1   (Connection: Upgrade, Upgrade: tcp)
//                               <- HTTP/1.1 101 UPGRADED + Content-Type: ...multiplexed-stream
//   stdin bytes ->              <- frames (or raw bytes with a TTY) until the output ends
import { ServerResponse, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { Duplex, PassThrough } from 'node:stream';

import { EngineError, asEngineError, type ErrorClass } from '../errors.ts';
import { API_VERSION, STRATAD_VERSION, versionProblem } from './api-version.ts';
import type { Route, RouteContext } from './http-types.ts';
import type { RequestLog } from './request-log.ts';
import { Router, splitVersion } from './router.ts';
import { requestTrace } from './trace/request.ts';

export const MAX_JSON_BODY = 1024 * 1024;

/** An error with an explicit HTTP status (413, 304 ...), where the class alone does not say it. */
export class HttpError extends EngineError {
  constructor(readonly status: number, errorClass: ErrorClass, message: string) {
    super(errorClass, 'stratad', message);
  }
}

const STATUS_OF: Record<ErrorClass, number> = {
  NotFound: 404,
  AlreadyExists: 409,
  Conflict: 409,
  FailedPrecondition: 409,
  InvalidArgument: 400,
  Unavailable: 503,
  Internal: 500,
};

export function statusOf(e: EngineError): number {
  return e instanceof HttpError ? e.status : STATUS_OF[e.errorClass];
}

export interface ServerOptions {
  routes: Route[];
  log: RequestLog;
  /** The words a client sees for an error (e.g. naming lifecycled's socket when it is down). */
  describeError?: (e: EngineError) => string;
  maxJsonBody?: number;
  /** Diagnostics (handler crashes) go here. */
  warn?: (msg: string) => void;
}

/** Headers moby's version middleware puts on every answer. */
export function commonHeaders(): Record<string, string> {
  return {
    Server: `Strata/${STRATAD_VERSION} (linux)`,
    'Api-Version': API_VERSION,
    Ostype: 'linux',
    'Docker-Experimental': 'false',
  };
}

interface Exchange {
  req: IncomingMessage;
  res: ServerResponse;
  socket: Socket;
  /** Upgrade requests: bytes already read past the headers. */
  head?: Buffer;
}

export function installHandlers(server: Server, opts: ServerOptions): void {
  const router = new Router(opts.routes);
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void handle(router, opts, { req, res, socket: req.socket });
  });
  // Node hands requests carrying "Upgrade:" to this event with the raw socket.
  server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => {
    const res = new ServerResponse(req);
    res.shouldKeepAlive = false;
    res.assignSocket(socket);
    res.on('finish', () => socket.end());
    socket.on('error', () => socket.destroy());
    void handle(router, opts, { req, res, socket, head });
  });
}

async function handle(router: Router, opts: ServerOptions, x: Exchange): Promise<void> {
  const { req, res, socket } = x;
  const start = process.hrtime.bigint();
  const time = new Date().toISOString();
  const bytesBefore = socket.bytesWritten;
  const url = new URL(req.url ?? '/', 'http://stratad');
  const { version, path } = splitVersion(url.pathname);
  const method = req.method ?? 'GET';
  const trace = requestTrace(req.headers, method, path);
  if (trace) res.setHeader('X-Strata-Trace', trace.id);
  let hijacked = false;
  let status = 0;
  const record = () => {
    opts.log.add({
      id: opts.log.newId(), time, uid: null, pid: null, method, path: url.pathname + url.search, status: status || res.statusCode,
      latencyMs: Number(process.hrtime.bigint() - start) / 1e6, bytes: Math.max(0, socket.bytesWritten - bytesBefore),
      traceId: trace?.id ?? null,
    });
  };
  let recorded = false;
  const recordOnce = () => {
    if (!recorded) {
      recorded = true;
      record();
    }
  };
  res.once('close', () => {
    if (!hijacked) recordOnce();
  });

  const json = (code: number, value: unknown) => {
    const body = Buffer.from(`${JSON.stringify(value)}\n`);
    res.writeHead(code, { ...commonHeaders(), 'Content-Type': 'application/json', 'Content-Length': String(body.length) });
    res.end(body);
  };
  const fail = (e: unknown) => {
    const err = asEngineError(e, 'stratad');
    const code = statusOf(err);
    if (code >= 500 && !(err.errorClass === 'Unavailable')) opts.warn?.(`${method} ${url.pathname}: ${err.layer}: ${err.message}`);
    const message = opts.describeError ? opts.describeError(err) : err.message;
    if (hijacked) {
      socket.end();
      return;
    }
    if (res.headersSent) {
      // A stream already under way: the client sees it end early.
      res.destroy();
      return;
    }
    json(code, { message });
  };

  try {
    if (version !== undefined) {
      const problem = versionProblem(version);
      if (problem) throw new HttpError(400, 'InvalidArgument', problem);
    }
    const match = router.match(method, path);
    if (!match) throw new HttpError(404, 'NotFound', 'page not found');
    let bodyTaken = false;
    const ctx: RouteContext = {
      req,
      res,
      params: match.params,
      query: url.searchParams,
      apiVersion: version ?? API_VERSION,
      body: async () => {
        bodyTaken = true;
        return parseJson(await readBody(x, opts.maxJsonBody ?? MAX_JSON_BODY));
      },
      rawBody: () => {
        bodyTaken = true;
        return rawBody(x);
      },
      hijack: async (contentType: string) => {
        if (!bodyTaken && x.head === undefined) req.resume();
        hijacked = true;
        socket.once('close', () => {
          status = status || 101;
          recordOnce();
        });
        return hijackSocket(x, contentType, (s) => (status = s));
      },
      json,
      empty: (code: number) => {
        res.writeHead(code, { ...commonHeaders(), ...(code === 204 || code === 304 ? {} : { 'Content-Length': '0' }) });
        res.end();
      },
    };
    await (trace ? trace.run(() => match.handler(ctx), () => status || res.statusCode) : match.handler(ctx));
  } catch (e) {
    fail(e);
  }
}

/** The JSON body: empty -> undefined, bad JSON -> 400. */
function parseJson(buf: Buffer): unknown {
  if (buf.length === 0) return undefined;
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch (e) {
    throw new HttpError(400, 'InvalidArgument', `invalid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function tooLarge(limit: number): HttpError {
  return new HttpError(413, 'InvalidArgument', `request body too large (limit ${limit} bytes)`);
}

async function readBody(x: Exchange, limit: number): Promise<Buffer> {
  const declared = Number(x.req.headers['content-length'] ?? NaN);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge(limit);
  if (x.head !== undefined) return readUpgradeBody(x, Number.isFinite(declared) ? declared : 0);
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const c of x.req) {
    const b = c as Buffer;
    total += b.length;
    if (total > limit) throw tooLarge(limit);
    chunks.push(b);
  }
  return Buffer.concat(chunks);
}

/**
 * On an upgrade request Node parsed only the headers: the body (exec start's
 * JSON) is in `head` and whatever follows on the socket.  Take exactly
 * Content-Length bytes and leave the rest (stdin) for the hijacked stream.
 */
function readUpgradeBody(x: Exchange, length: number): Promise<Buffer> {
  let buf = x.head ?? Buffer.alloc(0);
  if (buf.length >= length) {
    x.head = buf.subarray(length);
    return Promise.resolve(buf.subarray(0, length));
  }
  return new Promise((resolve, reject) => {
    const onData = (d: Buffer) => {
      buf = Buffer.concat([buf, d]);
      if (buf.length >= length) {
        cleanup();
        x.socket.pause();
        x.head = buf.subarray(length);
        resolve(buf.subarray(0, length));
      }
    };
    const onEnd = () => {
      cleanup();
      reject(new HttpError(400, 'InvalidArgument', 'request body cut short'));
    };
    const cleanup = () => {
      x.socket.off('data', onData);
      x.socket.off('end', onEnd);
    };
    x.socket.on('data', onData);
    x.socket.on('end', onEnd);
  });
}

async function* rawBody(x: Exchange): AsyncGenerator<Buffer> {
  if (x.head !== undefined) {
    if (x.head.length) yield x.head;
    for await (const c of x.socket) yield c as Buffer;
    return;
  }
  for await (const c of x.req) yield c as Buffer;
}

function rawHeader(statusLine: string, contentType: string, extra: Record<string, string>): string {
  const h = { 'Content-Type': contentType, ...extra, ...commonHeaders() };
  return `${statusLine}\r\n${Object.entries(h).map(([k, v]) => `${k}: ${v}`).join('\r\n')}\r\n\r\n`;
}

/**
 * 101 UPGRADED when the client asked to upgrade (docker CLI, dockerode with
 * hijack), else moby's 200 + raw-stream answer for clients that just read
 * the response until close (dockerode's default attach).
 */
function hijackSocket(x: Exchange, contentType: string, setStatus: (s: number) => void): Duplex {
  const { socket } = x;
  if (x.head !== undefined) {
    x.res.detachSocket(socket);
    socket.write(rawHeader('HTTP/1.1 101 UPGRADED', contentType, { Connection: 'Upgrade', Upgrade: 'tcp' }));
    setStatus(101);
    if (x.head.length) socket.unshift(x.head);
    socket.resume();
    return socket;
  }
  // Plain request: write the answer's head ourselves and never let the
  // ServerResponse write; the request body (if any) is the input side.
  setStatus(200);
  socket.write(rawHeader('HTTP/1.1 200 OK', contentType, {}));
  const input = new PassThrough();
  x.req.pipe(input);
  return Duplex.from({ readable: input, writable: socket }) as Duplex;
}
