// Column alignment like Go's text/tabwriter as docker configures it
// (minwidth 10, padding 3, pad with spaces): cells end at a tab; a column is
// as wide as its widest cell plus the padding; the last cell of a line is
// not padded.
export function alignColumns(lines: string[], minWidth = 10, padding = 3): string {
  const rows = lines.flatMap((l) => l.split('\n')).map((l) => l.split('\t'));
  const widths: number[] = [];
  for (const cells of rows)
    cells.slice(0, -1).forEach((c, i) => {
      widths[i] = Math.max(widths[i] ?? 0, Math.max(width(c) + padding, minWidth));
    });
  return rows.map((cells) => `${cells.map((c, i) => (i < cells.length - 1 ? c + ' '.repeat((widths[i] as number) - width(c)) : c)).join('')}\n`).join('');
}

function width(s: string): number {
  return [...s].length;
}
