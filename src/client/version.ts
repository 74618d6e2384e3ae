// API version negotiation, as docker's client does it: ping, read the
// daemon's Api-Version header, use the lower of the daemon's and ours. A
// daemon that sends no header is assumed to speak 1.24 (docker's fallback).
import { ApiError } from './errors.ts';
import type { Transport } from './transport.ts';

/** The newest API version this client knows (docker CLI 28's default). */
export const OUR_API_VERSION = '1.50';
export const FALLBACK_API_VERSION = '1.24';

/** Compare "1.9" and "1.41" as versions, not strings: negative when a < b. */
export function compareVersions(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

export function pickVersion(server: string | undefined, ours: string): string {
  const s = server && /^\d+\.\d+$/.test(server) ? server : FALLBACK_API_VERSION;
  return compareVersions(s, ours) < 0 ? s : ours;
}

export async function negotiate(t: Transport, ours: string): Promise<string> {
  let res;
  try {
    res = await t.request({ method: 'GET', path: '/_ping', versioned: false });
  } catch (e) {
    // A daemon that answers the ping with an error still answers: fall back.
    if (e instanceof ApiError) return FALLBACK_API_VERSION;
    throw e;
  }
  res.resume();
  const header = res.headers['api-version'];
  return pickVersion(Array.isArray(header) ? header[0] : header, ours);
}
