// Version negotiation against a tiny fake daemon on a Unix socket: the
// client pings once, takes min(server, ours), prefixes every path with it,
// falls back to 1.24 without a header, and skips the ping for a fixed
// version. Also: error bodies become ApiError with the daemon's message,
// and a missing socket is a ConnectionError.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { Client } from '../../src/client/client.ts';
import { ApiError, ConnectionError } from '../../src/client/errors.ts';
import { compareVersions, pickVersion } from '../../src/client/version.ts';
import { fakeServers, type FakeServers } from '../helpers/fake-servers.ts';

interface Fake {
  server: Server;
  socket: string;
  seen: string[];
}

async function fakeDaemon(listen: FakeServers['listen'], name: string, apiVersion: string | undefined): Promise<Fake> {
  const seen: string[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    seen.push(`${req.method} ${req.url}`);
    if (apiVersion) res.setHeader('Api-Version', apiVersion);
    if (req.url === '/_ping') {
      res.end('OK');
    } else if (req.url?.endsWith('/containers/nope/json')) {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"No such container: nope"}');
    } else if (req.url?.endsWith('/version')) {
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ Version: '0.1.0', ApiVersion: apiVersion ?? '1.24', Os: 'linux', Arch: 'amd64' }));
    } else {
      res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"page not found"}');
    }
  });
  const socket = (await listen(server, name)).slice('unix://'.length);
  return { server, socket, seen };
}

describe('version negotiation', () => {
  const { dir, listen } = fakeServers('strata-client-');

  it('compares versions numerically and picks the lower', () => {
    expect(compareVersions('1.9', '1.41')).toBeLessThan(0);
    expect(pickVersion('1.45', '1.50')).toBe('1.45');
    expect(pickVersion('1.99', '1.50')).toBe('1.50');
    expect(pickVersion(undefined, '1.50')).toBe('1.24');
    expect(pickVersion('garbage', '1.50')).toBe('1.24');
  });

  it('downgrades to an older daemon and prefixes every call', async () => {
    const f = await fakeDaemon(listen, 'a.sock', '1.44');
    const c = new Client({ host: `unix://${f.socket}` });
    const v = await c.system.version();
    expect(v.Version).toBe('0.1.0');
    expect(await c.apiVersion()).toBe('1.44');
    await c.system.version();
    c.close();
    // One ping, then versioned paths.
    expect(f.seen).toEqual(['GET /_ping', 'GET /v1.44/version', 'GET /v1.44/version']);
  });

  it('keeps its own version for a newer daemon, 1.24 without a header', async () => {
    const newer = await fakeDaemon(listen, 'b.sock', '1.99');
    const bare = await fakeDaemon(listen, 'c.sock', undefined);
    const c1 = new Client({ host: `unix://${newer.socket}` });
    const c2 = new Client({ host: `unix://${bare.socket}` });
    expect(await c1.apiVersion()).toBe('1.50');
    expect(await c2.apiVersion()).toBe('1.24');
    c1.close();
    c2.close();
  });

  it('skips the ping for a fixed version', async () => {
    const f = await fakeDaemon(listen, 'd.sock', '1.50');
    const c = new Client({ host: `unix://${f.socket}`, version: '1.41' });
    await c.system.version();
    c.close();
    expect(f.seen).toEqual(['GET /v1.41/version']);
  });

  it('carries status and message in ApiError; no socket is a ConnectionError', async () => {
    const f = await fakeDaemon(listen, 'e.sock', '1.50');
    const c = new Client({ host: `unix://${f.socket}` });
    const err = await c.containers.inspect('nope').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect((err as ApiError).status).toBe(404);
    expect((err as ApiError).message).toBe('No such container: nope');
    c.close();
    const gone = new Client({ host: `unix://${join(dir(), 'missing.sock')}` });
    const e2 = await gone.system.version().catch((e: unknown) => e);
    expect(e2).toBeInstanceOf(ConnectionError);
    expect((e2 as ConnectionError).code).toBe('ENOENT');
  });
});
