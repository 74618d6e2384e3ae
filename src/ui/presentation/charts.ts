// Text charts as pure functions: a block sparkline (one line) and a braille
// chart (2x4 dots per cell, as btop draws). Empty braille cells are spaces,
// not U+2800: a blank braille glyph costs 3 bytes on the wire over SSH.

const BLOCKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];

/** The last `width` values as a block sparkline scaled to max (default: the series' own max). */
export function sparkline(values: number[], width: number, max?: number): string {
  const tail = values.slice(-width);
  const top = max ?? Math.max(0, ...tail);
  const cells = tail.map((v) => {
    if (!(v > 0) || !(top > 0)) return ' ';
    const i = Math.min(BLOCKS.length - 1, Math.floor((v / top) * (BLOCKS.length - 1) + 0.5));
    return BLOCKS[i] as string;
  });
  return ' '.repeat(Math.max(0, width - cells.length)) + cells.join('');
}

// Dot bits of a braille cell, by [row][column] (Unicode's numbering).
const DOTS = [
  [0x01, 0x08],
  [0x02, 0x10],
  [0x04, 0x20],
  [0x40, 0x80],
];

/**
 * A filled area chart of the last width*2 values in height rows of braille,
 * top row first. Each value is a column of dots from the bottom up to its
 * level (max: the top of the chart).
 */
export function brailleChart(values: number[], width: number, height: number, max?: number): string[] {
  const cols = width * 2;
  const tail = values.slice(-cols);
  const top = max ?? Math.max(0, ...tail);
  const dotsHigh = height * 4;
  const offset = cols - tail.length;
  const cells: number[][] = Array.from({ length: height }, () => new Array<number>(width).fill(0));
  tail.forEach((v, i) => {
    const level = top > 0 && v > 0 ? Math.max(1, Math.round((Math.min(v, top) / top) * dotsHigh)) : 0;
    const x = offset + i;
    for (let d = 0; d < level; d++) {
      const y = dotsHigh - 1 - d;
      const row = cells[Math.floor(y / 4)] as number[];
      row[Math.floor(x / 2)] = (row[Math.floor(x / 2)] as number) | ((DOTS[y % 4] as number[])[x % 2] as number);
    }
  });
  return cells.map((row) => row.map((bits) => (bits === 0 ? ' ' : String.fromCharCode(0x2800 + bits))).join(''));
}
