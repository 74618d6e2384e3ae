// Hijacked streams and JSON lines against fake daemons on a Unix socket:
// a 101 upgrade hands over the socket (bytes sent before the header is
// consumed are kept), the 200 raw-stream fallback works both ways, stdin
// half-close reaches the daemon, and events split across chunks parse.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { Client } from '../../src/client/client.ts';
import { demuxStream, encodeFrame } from '../../src/client/demux.ts';
import { jsonLines } from '../../src/client/json-lines.ts';
import { fakeServers } from '../helpers/fake-servers.ts';

const { listen } = fakeServers('strata-hijack-');

async function readAll(s: NodeJS.ReadableStream): Promise<string> {
  let out = '';
  for await (const c of s) out += c.toString();
  return out;
}

describe('hijack', () => {
  it('takes the socket on 101 and echoes stdin back as frames until half-close', async () => {
    const server = createServer((req, res) => res.writeHead(200, { 'Api-Version': '1.47' }).end('OK'));
    server.on('upgrade', (req: IncomingMessage, socket: Socket) => {
      expect(req.headers.upgrade).toBe('tcp');
      expect(req.url).toMatch(/^\/v1\.47\/containers\/c1\/attach\?.*stream=1/);
      // The header and the first frame in one write: the client must keep the frame.
      socket.write(`HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.multiplexed-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`);
      socket.write(encodeFrame(1, 'hello\n'));
      let input = '';
      socket.on('data', (d: Buffer) => (input += d.toString()));
      socket.on('end', () => {
        socket.end(Buffer.concat([encodeFrame(2, `got ${input}`)]));
      });
    });
    const c = new Client({ host: await listen(server, 'up.sock') });
    const h = await c.containers.attach('c1', { stdin: true });
    expect(h.contentType).toBe('application/vnd.docker.multiplexed-stream');
    const out: string[] = [];
    const err: string[] = [];
    const sink = (arr: string[]) => ({ write: (b: Buffer) => (arr.push(b.toString()), true), once: () => undefined }) as unknown as NodeJS.WritableStream;
    const done = demuxStream(h.stream, sink(out), sink(err));
    h.stream.end('typed');
    await done;
    expect(out.join('')).toBe('hello\n');
    expect(err.join('')).toBe('got typed');
    c.close();
  });

  it('accepts a 200 raw stream (dockerd without Upgrade) and turns 4xx into ApiError', async () => {
    const server = createServer((req, res) => {
      if (req.url === '/_ping') return void res.end('OK');
      if (req.url?.includes('/exec/missing/')) return void res.writeHead(404, { 'Content-Type': 'application/json' }).end('{"message":"No such exec instance: missing"}');
      res.writeHead(200, { 'Content-Type': 'application/vnd.docker.raw-stream' });
      res.flushHeaders();
      req.socket.once('data', (d: Buffer) => res.end(`raw:${d.toString()}`));
    });
    const c = new Client({ host: await listen(server, 'raw.sock') });
    const h = await c.exec.start('e1', { tty: true });
    h.stream.write('abc');
    expect(await readAll(h.stream)).toBe('raw:abc');
    await expect(c.exec.start('missing')).rejects.toMatchObject({ status: 404, message: 'No such exec instance: missing' });
    c.close();
  });
});

describe('jsonLines', () => {
  it('reassembles objects split across chunks and skips blank lines', async () => {
    const src = Readable.from(['{"Type":"container","Act', 'ion":"start"}\n\n{"Type":"im', 'age","Action":"tag"}\n']);
    const got: { Type: string; Action: string }[] = [];
    for await (const e of jsonLines<{ Type: string; Action: string }>(src)) got.push(e);
    expect(got).toEqual([
      { Type: 'container', Action: 'start' },
      { Type: 'image', Action: 'tag' },
    ]);
  });
});
