// Small pure formatters shared by every pane: sizes, durations, percentages,
// fixed-width cells. No Ink here, so they are unit-tested as plain strings.

/** 1536 -> "1.5K" (binary units, as docker stats and top use). */
export function bytes(n: number | undefined): string {
  if (n === undefined || !Number.isFinite(n)) return '-';
  const units = ['B', 'K', 'M', 'G', 'T'];
  let v = n;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v}B` : `${v >= 100 ? v.toFixed(0) : v.toFixed(1)}${units[i]}`;
}

/**
 * Seconds as the shortest readable span: 5s, 40s, 12m, 3h, 2d. Past 10 s the
 * seconds go in steps of 10, so an uptime column rewrites its line (bytes
 * over SSH) every 10 s rather than every second.
 */
export function duration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '-';
  if (seconds < 10) return `${Math.floor(seconds)}s`;
  if (seconds < 60) return `${Math.floor(seconds / 10) * 10}s`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)}m`;
  if (seconds < 86400) return `${Math.floor(seconds / 3600)}h`;
  return `${Math.floor(seconds / 86400)}d`;
}

/** Milliseconds with a precision that suits the size: 0.42ms, 12.3ms, 1.2s. */
export function millis(ms: number): string {
  if (!Number.isFinite(ms)) return '-';
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 100) return `${ms.toFixed(1)}ms`;
  if (ms < 1000) return `${ms.toFixed(0)}ms`;
  return `${(ms / 1000).toFixed(1)}s`;
}

export function percent(p: number | undefined): string {
  if (p === undefined || !Number.isFinite(p)) return '-';
  return `${p.toFixed(1)}%`;
}

/** "12.0M / 64.0M" or "12.0M / -" when unlimited (limit 0). */
export function memoryOf(used: number | undefined, limit: number | undefined): string {
  if (used === undefined) return '-';
  return `${bytes(used)}/${limit ? bytes(limit) : '∞'}`;
}

/** Clock time of an ISO timestamp, HH:MM:SS (local time). */
export function clock(iso: string | number | undefined): string {
  if (iso === undefined) return '--:--:--';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '--:--:--';
  return d.toTimeString().slice(0, 8);
}

/** Exactly width columns: truncated with "…" or padded (right-aligned when right). */
export function fit(text: string, width: number, right = false): string {
  if (width <= 0) return '';
  // Every character we draw is one column wide (ASCII, box, block and
  // braille glyphs); container names and paths are ASCII by the API's rules.
  const chars = [...text.replace(/[\x00-\x1f\x7f]/g, ' ')];
  if (chars.length <= width) return right ? ' '.repeat(width - chars.length) + chars.join('') : chars.join('') + ' '.repeat(width - chars.length);
  return chars.slice(0, width - 1).join('') + '…';
}

export function shortId(id: string): string {
  return id.slice(0, 12);
}
