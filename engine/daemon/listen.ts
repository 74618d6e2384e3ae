// Where stratad listens: -H unix:///path (default /run/strata/strata.sock,
// mode 0660, group "strata" when it exists), or tcp://HOST:PORT with mutual
// TLS (--tlscacert/--tlscert/--tlskey: clients must present a certificate
// signed by the CA).  Plain TCP is refused unless --insecure-tcp is given AND
// the address is loopback: the API is root on this host.
import { chmodSync, chownSync, existsSync, mkdirSync, readFileSync, unlinkSync } from 'node:fs';
import { createServer as createHttpServer, type Server } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { isIP } from 'node:net';
import { dirname } from 'node:path';

import { invalidArgument, unavailable } from '../errors.ts';
import { socketAnswers } from '../unix-socket.ts';

export const DEFAULT_SOCKET = '/run/strata/strata.sock';

export type ListenSpec =
  | { kind: 'unix'; path: string }
  | { kind: 'tcp'; host: string; port: number };

export interface TlsFiles {
  ca: string;
  cert: string;
  key: string;
}

export function parseHost(h: string): ListenSpec {
  if (h.startsWith('unix://')) {
    const path = h.slice('unix://'.length);
    if (!path.startsWith('/')) throw invalidArgument('stratad', `-H ${h}: the socket path must be absolute`);
    return { kind: 'unix', path };
  }
  if (h.startsWith('tcp://')) {
    const u = new URL(h.replace(/^tcp:/, 'http:'));
    const port = Number(u.port || '2376');
    return { kind: 'tcp', host: u.hostname.replace(/^\[|\]$/g, ''), port };
  }
  if (h.startsWith('/')) return { kind: 'unix', path: h };
  throw invalidArgument('stratad', `-H ${h}: expected unix:///path or tcp://host:port`);
}

export function isLoopback(host: string): boolean {
  if (host === 'localhost') return true;
  if (isIP(host) === 4) return host.startsWith('127.');
  return host === '::1';
}

function strataGid(): number | undefined {
  try {
    const line = readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.startsWith('strata:'));
    const gid = Number(line?.split(':')[2]);
    return Number.isInteger(gid) ? gid : undefined;
  } catch {
    return undefined;
  }
}

/** An http(s) server for the spec, not yet listening; refuses unsafe TCP. */
export function makeServer(spec: ListenSpec, tls: TlsFiles | undefined, insecureTcp: boolean): Server {
  if (spec.kind === 'tcp') {
    if (tls) {
      return createHttpsServer({
        ca: readFileSync(tls.ca), cert: readFileSync(tls.cert), key: readFileSync(tls.key), requestCert: true, rejectUnauthorized: true,
      }) as unknown as Server;
    }
    if (!insecureTcp) throw invalidArgument('stratad', `refusing plain TCP on ${spec.host}:${spec.port}: give --tlscacert, --tlscert and --tlskey (mutual TLS), or --insecure-tcp with a loopback address`);
    if (!isLoopback(spec.host)) throw invalidArgument('stratad', `refusing plain TCP on ${spec.host}: --insecure-tcp is only allowed on a loopback address (127.0.0.1, ::1)`);
  }
  return createHttpServer();
}

export async function listen(server: Server, spec: ListenSpec): Promise<void> {
  if (spec.kind === 'unix') {
    mkdirSync(dirname(spec.path), { recursive: true });
    if (existsSync(spec.path)) {
      if (await socketAnswers(spec.path)) throw unavailable('stratad', `another stratad serves ${spec.path}`);
      unlinkSync(spec.path); // left by a daemon that was killed
    }
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve();
    };
    if (spec.kind === 'unix') server.listen(spec.path, done);
    else server.listen(spec.port, spec.host, done);
  });
  if (spec.kind === 'unix') {
    chmodSync(spec.path, 0o660);
    const gid = strataGid();
    if (gid !== undefined) chownSync(spec.path, 0, gid);
  }
}
