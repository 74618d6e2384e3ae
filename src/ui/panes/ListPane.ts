// The shape every pane shares: captions (what the numbers mean), a problem
// line when its feed is down or absent, then the table.
import { Box, Text } from 'ink';
import { createElement as h } from 'react';

import { Pane, type PaneProps } from '../components/Pane.ts';
import { Table } from '../components/Table.ts';
import { useRole } from '../components/theme-context.ts';
import type { Rows } from '../presentation/panes.ts';

export interface ListPaneProps extends Omit<PaneProps, 'children'> {
  captions?: string[];
  problem?: string;
  rows: Rows;
  selected: number;
  empty?: string;
  /** Extra lines under the table (charts). */
  footer?: string[];
}

export function ListPane(p: ListPaneProps) {
  const role = useRole();
  const inner = p.height - 3; // borders and title line
  const captions = (p.captions ?? []).slice(0, Math.max(0, inner - 2));
  const footer = p.footer && inner - captions.length - (p.problem ? 1 : 0) >= p.footer.length + 4 ? p.footer : [];
  const tableHeight = Math.max(1, inner - captions.length - (p.problem ? 1 : 0) - footer.length);
  return h(
    Pane,
    { ...p },
    ...captions.map((c, i) => h(Text, { key: `c${i}`, ...role('muted'), wrap: 'truncate' }, c)),
    p.problem ? h(Text, { key: 'problem', ...role('error'), wrap: 'truncate' }, p.problem) : null,
    h(Box, { key: 'table', flexDirection: 'column', flexGrow: 1 }, h(Table, { header: p.rows.header, rows: p.rows.rows, selected: p.selected, height: tableHeight, active: p.active, empty: p.empty })),
    ...footer.map((l, i) => h(Text, { key: `f${i}`, ...role('accent'), wrap: 'truncate' }, l)),
  );
}
