// Fake daemons on Unix sockets for the client suites: a temp dir per suite,
// `listen(server, name)` returning unix://<path>, and a teardown that ends
// every connection (hijacked ones included, which server.close() would wait
// on forever), closes the servers and removes the dir.
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, beforeAll } from 'vitest';

export interface FakeServers {
  /** The suite's temp dir (set in beforeAll). */
  dir(): string;
  /** Listen on <dir>/<name>; the server is closed after all tests. */
  listen(server: Server, name: string): Promise<string>;
}

export function fakeServers(prefix: string): FakeServers {
  let dir = '';
  const servers: Server[] = [];
  const sockets = new Set<Socket>();
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), prefix));
  });
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  return {
    dir: () => dir,
    listen(server, name) {
      servers.push(server);
      server.on('connection', (s: Socket) => {
        sockets.add(s);
        s.once('close', () => sockets.delete(s));
      });
      const socket = join(dir, name);
      return new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(socket, () => resolve(`unix://${socket}`));
      });
    },
  };
}
