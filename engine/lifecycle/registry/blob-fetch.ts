// One blob from the registry into the content store.  The store's writer
// keeps an interrupted download as an ingest under a ref derived from the
// digest, so the next attempt (in this pull or a later one) asks only for
// the rest with a Range request.  The store verifies size and sha256 on
// commit: a mismatch discards the data and nothing is committed.
import { EngineError, invalidArgument, unavailable } from '../../errors.ts';
import type { ContentStore, ContentWriter } from '../images/types.ts';
import { describeNetworkError, readBody } from './http.ts';
import type { Desc } from './manifest.ts';
import type { RegistrySession } from './session.ts';

export type FetchResult = 'exists' | 'downloaded';

export interface FetchOptions {
  onProgress?: (current: number, total: number) => void;
  onRetry?: (attempt: number, why: string) => void;
  attempts?: number;
  /** Stops retrying (the pull was cancelled or another layer failed). */
  signal?: AbortSignal;
}

export function ingestRef(digest: string): string {
  return `pull-${digest}`;
}

async function openWriter(content: ContentStore, d: Desc): Promise<ContentWriter | undefined> {
  for (let i = 0; ; i++) {
    try {
      return await content.writer(ingestRef(d.digest), d.digest, d.size);
    } catch (e) {
      if (e instanceof EngineError && e.errorClass === 'AlreadyExists') return undefined;
      // Another pull is writing the same blob right now: wait for it.
      if (e instanceof EngineError && e.errorClass === 'Unavailable' && i < 600) {
        await new Promise((r) => setTimeout(r, 200));
        if (content.info(d.digest)) return undefined;
        continue;
      }
      throw e;
    }
  }
}

export async function fetchBlob(s: RegistrySession, repository: string, d: Desc, content: ContentStore, o: FetchOptions = {}): Promise<FetchResult> {
  const attempts = o.attempts ?? 5;
  let lastWhy = '';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (o.signal?.aborted) throw unavailable('lifecycled', `registry ${s.registry}: blob ${d.digest} of ${repository}: pull cancelled${lastWhy ? ` (${lastWhy})` : ''}`);
    const w = await openWriter(content, d);
    if (!w) return 'exists';
    const start = w.offset;
    let res;
    try {
      res = await s.request('GET', `/v2/${repository}/blobs/${d.digest}`, { headers: start > 0 ? { Range: `bytes=${start}-` } : {}, timeoutMs: 60_000 });
    } catch (e) {
      await w.close();
      if (e instanceof EngineError && e.errorClass !== 'Unavailable') throw e;
      lastWhy = e instanceof Error ? e.message : String(e);
      o.onRetry?.(attempt, lastWhy);
      await backoff(attempt);
      continue;
    }
    if (start > 0 && res.statusCode === 200) {
      // The registry ignored the range: start over from byte 0.
      res.resume();
      await w.abort();
      continue;
    }
    if (res.statusCode === 206) {
      const m = /^bytes (\d+)-/.exec(String(res.headers['content-range'] ?? ''));
      if (!m || Number(m[1]) !== start) {
        res.resume();
        await w.abort();
        continue;
      }
    } else if (res.statusCode !== 200) {
      await w.close();
      const body = await readBody(res, 1 << 20).catch(() => Buffer.alloc(0));
      const msg = `registry ${s.registry}: GET blob ${d.digest} of ${repository}: ${res.statusCode}: ${body.toString('utf8').trim().slice(0, 200)}`;
      if ((res.statusCode ?? 0) >= 500 && attempt < attempts) {
        lastWhy = msg;
        o.onRetry?.(attempt, msg);
        await backoff(attempt);
        continue;
      }
      throw res.statusCode === 404 ? new EngineError('NotFound', 'lifecycled', msg) : unavailable('lifecycled', msg);
    }
    let lastReport = 0;
    try {
      for await (const chunk of res) {
        await w.write(chunk as Buffer);
        const now = Date.now();
        if (now - lastReport >= 100) {
          lastReport = now;
          o.onProgress?.(w.offset, d.size);
        }
      }
    } catch (e) {
      await w.close(); // keep what arrived: the next attempt resumes from here
      if (e instanceof EngineError) {
        // more bytes than the descriptor says: the blob is wrong, discard it
        await content.abort(ingestRef(d.digest)).catch(() => undefined);
        throw invalidArgument('lifecycled', `registry ${s.registry}: blob ${d.digest} of ${repository}: ${e.message}; refused, nothing stored`);
      }
      lastWhy = describeNetworkError(e);
      o.onRetry?.(attempt, lastWhy);
      await backoff(attempt);
      continue;
    }
    o.onProgress?.(w.offset, d.size);
    if (w.offset < d.size) {
      await w.close();
      lastWhy = `connection closed after ${w.offset} of ${d.size} bytes`;
      o.onRetry?.(attempt, lastWhy);
      await backoff(attempt);
      continue;
    }
    try {
      await w.commit();
    } catch (e) {
      throw invalidArgument(
        'lifecycled',
        `registry ${s.registry}: blob ${d.digest} of ${repository} failed verification (${e instanceof Error ? e.message : String(e)}): refused, nothing stored`,
      );
    }
    return 'downloaded';
  }
  throw unavailable('lifecycled', `registry ${s.registry}: blob ${d.digest} of ${repository}: gave up after ${attempts} attempts: ${lastWhy}`);
}

function backoff(attempt: number): Promise<void> {
  return new Promise((r) => setTimeout(r, Math.min(2000, 100 * 2 ** (attempt - 1))));
}
