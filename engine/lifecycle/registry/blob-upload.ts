// Uploading one blob: an existence check (HEAD), a cross-repository mount when
// we know another repository of the registry holds it, else an upload session
// (POST) finished monolithically (one PUT with the body) for small blobs or in
// chunks (PATCH with Content-Range, then an empty PUT with the digest).
import { createReadStream } from 'node:fs';
import { Transform, type Readable } from 'node:stream';

import { readBody } from './http.ts';
import type { Desc } from './manifest.ts';
import type { RegistrySession } from './session.ts';

export type UploadResult = { kind: 'exists' } | { kind: 'mounted'; from: string } | { kind: 'pushed' };

export interface UploadOptions {
  /** Repositories on this registry known to hold the blob. */
  mountFrom?: string[];
  /** Blobs above this size go in chunks of this size. */
  chunkSize: number;
  onProgress?: (current: number, total: number) => void;
}

function withParam(location: string, key: string, value: string): string {
  return `${location}${location.includes('?') ? '&' : '?'}${encodeURIComponent(key)}=${encodeURIComponent(value)}`;
}

function counted(src: Readable, base: number, total: number, report?: (c: number, t: number) => void): Readable {
  let n = base;
  let last = 0;
  const t = new Transform({
    transform(chunk: Buffer, _e, cb) {
      n += chunk.length;
      const now = Date.now();
      if (report && now - last >= 100) {
        last = now;
        report(n, total);
      }
      cb(null, chunk);
    },
  });
  src.on('error', (e) => t.destroy(e));
  return src.pipe(t);
}

export async function blobExists(s: RegistrySession, repository: string, digest: string): Promise<boolean> {
  const res = await s.request('HEAD', `/v2/${repository}/blobs/${digest}`);
  res.resume();
  if (res.statusCode === 200) return true;
  if (res.statusCode === 404) return false;
  return s.fail(res, `HEAD blob ${digest}`);
}

export async function uploadBlob(s: RegistrySession, repository: string, d: Desc, file: string, o: UploadOptions): Promise<UploadResult> {
  if (await blobExists(s, repository, d.digest)) return { kind: 'exists' };
  let location: string | undefined;
  for (const from of o.mountFrom ?? []) {
    if (from === repository) continue;
    const res = await s.request('POST', `/v2/${repository}/blobs/uploads/?mount=${encodeURIComponent(d.digest)}&from=${encodeURIComponent(from)}`, { headers: { 'Content-Length': '0' } });
    res.resume();
    if (res.statusCode === 201) return { kind: 'mounted', from };
    if (res.statusCode === 202 && typeof res.headers.location === 'string') {
      location = res.headers.location; // no mount: the registry opened an upload instead
      break;
    }
  }
  if (!location) {
    const res = await s.request('POST', `/v2/${repository}/blobs/uploads/`, { headers: { 'Content-Length': '0' } });
    if (res.statusCode !== 202 || typeof res.headers.location !== 'string') return s.fail(res, `POST blob upload for ${d.digest}`);
    res.resume();
    location = res.headers.location;
  }
  const url = new URL(location, s.baseUrl).toString();
  if (d.size <= o.chunkSize) {
    const res = await s.request('PUT', '', {
      url: withParam(url, 'digest', d.digest),
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(d.size) },
      body: () => counted(createReadStream(file), 0, d.size, o.onProgress),
      timeoutMs: 120_000,
    });
    if (res.statusCode !== 201) return s.fail(res, `PUT blob ${d.digest}`);
    res.resume();
    o.onProgress?.(d.size, d.size);
    return { kind: 'pushed' };
  }
  let next = url;
  for (let start = 0; start < d.size; start += o.chunkSize) {
    const end = Math.min(d.size, start + o.chunkSize) - 1;
    const res = await s.request('PATCH', '', {
      url: next,
      headers: { 'Content-Type': 'application/octet-stream', 'Content-Length': String(end - start + 1), 'Content-Range': `${start}-${end}` },
      body: () => counted(createReadStream(file, { start, end }), start, d.size, o.onProgress),
      timeoutMs: 120_000,
    });
    if (res.statusCode !== 202 || typeof res.headers.location !== 'string') return s.fail(res, `PATCH blob ${d.digest} bytes ${start}-${end}`);
    await readBody(res, 1 << 20);
    next = new URL(res.headers.location, s.baseUrl).toString();
    o.onProgress?.(end + 1, d.size);
  }
  const res = await s.request('PUT', '', { url: withParam(next, 'digest', d.digest), headers: { 'Content-Length': '0' } });
  if (res.statusCode !== 201) return s.fail(res, `PUT blob ${d.digest} (finishing the chunked upload)`);
  res.resume();
  return { kind: 'pushed' };
}
