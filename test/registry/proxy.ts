// A tiny HTTP proxy on 127.0.0.1 in front of a test registry that misbehaves
// on purpose for one blob: serves it with one byte changed (corrupt), or cuts
// the connection halfway through the first download (resume).
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProxyRules {
  /** Blob digests served with a flipped byte. */
  corrupt?: Set<string>;
  /** Blob digests whose first full (non-range) GET is cut after half the bytes. */
  cutOnce?: Set<string>;
  /** Hold every blob GET this long before answering (so downloads overlap). */
  delayBlobsMs?: number;
}

export interface Proxy {
  host: string;
  /** Requests seen: "GET /v2/... range=bytes=N-". */
  seen: string[];
  /** The most blob GETs that were in flight at once. */
  maxInFlight(): number;
  close(): Promise<void>;
}

export async function startProxy(upstreamPort: number, rules: ProxyRules): Promise<Proxy> {
  const seen: string[] = [];
  const cut = new Set(rules.cutOnce ?? []);
  let inFlight = 0;
  let maxInFlight = 0;
  const server = http.createServer(async (req, res) => {
    seen.push(`${req.method} ${req.url} range=${req.headers.range ?? ''}`);
    const m = /\/blobs\/(sha256:[0-9a-f]{64})$/.exec(req.url ?? '');
    const digest = m?.[1];
    if (digest && req.method === 'GET') {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      res.on('close', () => inFlight--);
      if (rules.delayBlobsMs) await new Promise((r) => setTimeout(r, rules.delayBlobsMs));
    }
    const up = http.request({ host: '127.0.0.1', port: upstreamPort, method: req.method, path: req.url, headers: req.headers }, (ur) => {
      const special = req.method === 'GET' && digest && (rules.corrupt?.has(digest) || (cut.has(digest) && !req.headers.range)) && ur.statusCode === 200;
      if (!special) {
        res.writeHead(ur.statusCode ?? 502, ur.headers);
        ur.pipe(res);
        return;
      }
      const chunks: Buffer[] = [];
      ur.on('data', (c: Buffer) => chunks.push(c));
      ur.on('end', () => {
        const body = Buffer.concat(chunks);
        if (rules.corrupt?.has(digest)) {
          body[body.length >> 1] = (body[body.length >> 1] as number) ^ 0xff;
          res.writeHead(200, ur.headers);
          res.end(body);
          return;
        }
        cut.delete(digest);
        res.writeHead(200, ur.headers);
        res.write(body.subarray(0, body.length >> 1), () => setTimeout(() => res.socket?.destroy(), 50));
      });
    });
    up.on('error', () => res.destroy());
    req.pipe(up);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as AddressInfo).port;
  return {
    host: `127.0.0.1:${port}`,
    seen,
    maxInFlight: () => maxInFlight,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
