// Talking to a daemon's Unix socket from tests and benches: a raw HTTP
// request, "does /_ping answer", and waiting for a freshly started daemon to
// answer (failing early when it exits instead).
import type { ChildProcess } from 'node:child_process';
import { request } from 'node:http';

import { sleep } from './run.ts';

export interface HttpResult {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

export function httpOverSocket(socket: string, method: string, path: string, body?: string | Buffer, headers: Record<string, string> = {}): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: socket, method, path, headers: { Host: 'stratad', ...(body !== undefined ? { 'Content-Type': 'application/json', 'Content-Length': String(Buffer.byteLength(body)) } : {}), ...headers } }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (data += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** Does GET /_ping on this socket answer 200 (within timeoutMs)? */
export function pingUnix(socketPath: string, timeoutMs = 2_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', method: 'GET', timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('timeout', () => req.destroy());
    req.on('error', () => resolve(false));
    req.end();
  });
}

/**
 * Poll `answers` until it holds; throw when `child` exits first or after
 * `ms`, naming `what` and appending the daemon's output.
 */
export async function waitAnswering(what: string, answers: () => Promise<boolean>, opts: { child?: ChildProcess; ms?: number; output?: () => string } = {}): Promise<void> {
  const ms = opts.ms ?? 20_000;
  const deadline = Date.now() + ms;
  const out = () => (opts.output ? `:\n${opts.output()}` : '');
  while (Date.now() < deadline) {
    const c = opts.child;
    if (c && (c.exitCode !== null || c.signalCode !== null)) throw new Error(`${what} exited at start (${c.exitCode ?? c.signalCode})${out()}`);
    if (await answers()) return;
    await sleep(25);
  }
  throw new Error(`${what} did not answer within ${ms / 1000} s${out()}`);
}
