// The shape every stratad route handler has: the contract between the
// server (router, hijack, errors, request log) and the route files.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  /** Path parameters, e.g. { id } for /containers/:id/start. */
  params: Record<string, string>;
  query: URLSearchParams;
  /** The API version the client asked for ("1.47"), or the server's default. */
  apiVersion: string;
  /** The JSON body: size-limited, 400 "invalid JSON" on a bad one, undefined when empty. */
  body(): Promise<unknown>;
  /** The raw body (tar archives for load/import/archive put). */
  rawBody(): AsyncIterable<Buffer>;
  /**
   * Take over the connection for attach/exec: answers 101 UPGRADED (when the
   * client asked to upgrade to "tcp") or 200 with the Docker raw-stream
   * content type, then hands back the socket.
   */
  hijack(contentType: string): Promise<Duplex>;
  /** JSON answer with Docker's content type. */
  json(status: number, value: unknown): void;
  /** An empty answer (204 and friends). */
  empty(status: number): void;
}

export type Handler = (ctx: RouteContext) => Promise<void>;

export interface Route {
  method: 'GET' | 'HEAD' | 'POST' | 'PUT' | 'DELETE';
  /** '/containers/:id/start'; served with and without the /vX.YY prefix. */
  path: string;
  handler: Handler;
}
