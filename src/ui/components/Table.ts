// Our table (ink-table 3 cannot load under Ink 6): a header line and a
// window of pre-fitted rows that keeps the selected row in view. Rows are
// single strings of fixed width, so an update rewrites only changed lines.
import { Box, Text } from 'ink';
import { createElement as h } from 'react';

import type { Row, Tone } from '../presentation/panes.ts';
import type { Role } from '../theme/theme.ts';
import { useRole } from './theme-context.ts';

export interface TableProps {
  header: string;
  rows: Row[];
  selected: number;
  /** Lines for header and rows together. */
  height: number;
  active: boolean;
  /** Shown when there is no row. */
  empty?: string;
}

const TONE: Record<Tone, Role> = { normal: 'text', ok: 'ok', warn: 'warn', error: 'error', muted: 'muted' };

/** First visible row so that `selected` is inside a window of `size`. */
// Page by page (stateless, and moving within a page rewrites two lines);
// selected < 0 follows the tail, newest last.
export function windowStart(count: number, selected: number, size: number): number {
  if (count <= size || size <= 0) return 0;
  if (selected < 0) return count - size;
  return Math.min(count - size, Math.floor(selected / size) * size);
}

export function Table(p: TableProps) {
  const role = useRole();
  const size = Math.max(0, p.height - 1);
  const start = windowStart(p.rows.length, p.selected, size);
  const visible = p.rows.slice(start, start + size);
  return h(
    Box,
    { flexDirection: 'column', height: p.height, overflow: 'hidden' },
    h(Text, { ...role('header'), wrap: 'truncate' }, p.header),
    visible.length === 0 && p.empty ? h(Text, { ...role('muted'), wrap: 'truncate' }, p.empty) : null,
    ...visible.map((r, i) => h(Text, { key: r.key, wrap: 'truncate', ...(start + i === p.selected && p.active ? role('selected') : role(TONE[r.tone])) }, r.text)),
  );
}
