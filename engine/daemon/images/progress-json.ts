// lifecycled's pull/push progress as Docker's JSON message stream, the form
// the docker CLI renders (jsonmessage): status lines, per-layer lines with
// progressDetail and a 50-column bar, and errors as errorDetail.
import type { PullProgress } from '../../lifecycle/registry/api.ts';

const WIDTH = 50;

/** Docker's decimal sizes with four significant digits: "2.153MB". */
export function humanSize(n: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(4))}${units[i]}`;
}

export function progressBar(current: number, total: number): string {
  if (total <= 0) return humanSize(current);
  const n = Math.max(0, Math.min(WIDTH, Math.floor((WIDTH * current) / total)));
  // "[====>    ]" as docker draws it: n columns done, then the arrow head while not complete.
  const arrow = n < WIDTH ? '>' : '';
  const bar = `[${'='.repeat(n)}${arrow}${' '.repeat(Math.max(0, WIDTH - n - arrow.length))}]`;
  return `${bar} ${humanSize(current).padStart(8)}/${humanSize(total)}`;
}

/** One progress message as Docker's JSON (the final "done" message is the caller's to word). */
export function jsonMessage(p: PullProgress): Record<string, unknown> {
  const m: Record<string, unknown> = { status: p.status };
  if (p.status === 'Downloading' || p.status === 'Pushing' || (p.status === 'Extracting' && p.current > 0)) {
    m.progressDetail = { current: p.current, total: p.total };
    m.progress = progressBar(p.current, p.total);
  } else if (p.id) {
    m.progressDetail = {};
  }
  if (p.id) m.id = p.id;
  return m;
}

export function errorMessage(message: string): Record<string, unknown> {
  return { errorDetail: { message }, error: message };
}
