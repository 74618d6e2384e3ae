// Presentation as pure functions: tables with a header line and columns padded
// to their widest cell (like ctr's tabwriter), sizes and times for people.

export function table(header: string[], rows: string[][]): string {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd((widths[i] as number) + 3)))
      .join('')
      .trimEnd();
  return [line(header), ...rows.map(line)].map((l) => `${l}\n`).join('');
}

export function humanSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** RFC 3339 as given, trimmed to seconds for a table cell. */
export function shortTime(rfc3339: string): string {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)/.exec(rfc3339);
  return m ? `${m[1]}Z` : rfc3339;
}

/** A digest shortened the way ctr does in narrow tables: algorithm and 12 hex digits. */
export function shortDigest(digest: string): string {
  const m = /^(sha256:)([0-9a-f]{12})/.exec(digest);
  return m ? `${m[1]}${m[2]}` : digest;
}
