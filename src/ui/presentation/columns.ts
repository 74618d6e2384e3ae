// Panes declared as data: a column has a title, a width, an alignment; one
// column may be flexible and takes what is left. Fixed widths keep rows from
// shifting, which keeps Ink's line diff small.
import { fit } from './format.ts';

export interface Column {
  title: string;
  width: number;
  right?: boolean;
  /** Takes the remaining width (at least `width`), shared with the other flexible columns. */
  flex?: boolean;
}

/** Widths for a total width; columns that do not fit at all are dropped from the right. */
export function sizeColumns(cols: Column[], total: number): number[] {
  const gaps = cols.length - 1;
  const fixed = cols.reduce((n, c) => n + c.width, 0) + gaps;
  const spare = Math.max(0, total - fixed);
  const flexes = cols.filter((c) => c.flex).length;
  let left = spare;
  let seen = 0;
  const widths = cols.map((c) => {
    if (!c.flex) return c.width;
    seen++;
    const give = seen === flexes ? left : Math.floor(spare / flexes);
    left -= give;
    return c.width + give;
  });
  // Too narrow: shrink the flexible column, then drop from the right.
  let over = widths.reduce((n, w) => n + w, 0) + gaps - total;
  for (let i = widths.length - 1; over > 0 && i >= 0; i--) {
    const give = Math.min(over, (widths[i] as number) + (i > 0 ? 1 : 0));
    widths[i] = Math.max(0, (widths[i] as number) - give);
    over -= give;
  }
  return widths;
}

/** One line of cells, each fitted to its width, separated by one space. */
export function row(cells: string[], cols: Column[], widths: number[]): string {
  const parts: string[] = [];
  cols.forEach((c, i) => {
    const w = widths[i] ?? 0;
    if (w > 0) parts.push(fit(cells[i] ?? '', w, c.right));
  });
  return parts.join(' ');
}

export function header(cols: Column[], widths: number[]): string {
  return row(cols.map((c) => c.title), cols, widths);
}
