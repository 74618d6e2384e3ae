// A bordered pane: its title (tabs when several panes share the slot), the
// state of the stream feeding it, and its body. Only the focused pane has
// the active border.
import { Box, Text } from 'ink';
import { createElement as h, type ReactNode } from 'react';

import { useRole } from './theme-context.ts';

export interface PaneProps {
  title: string;
  /** Other panes sharing this slot (compact layout), shown after the title. */
  tabs?: { id: string; title: string; current: boolean }[];
  status?: { text: string; level: 'ok' | 'warn' | 'error' | 'muted' };
  active: boolean;
  width: number;
  height: number;
  children?: ReactNode;
}

export function Pane(p: PaneProps) {
  const role = useRole();
  const border = role(p.active ? 'borderActive' : 'border');
  const titles = p.tabs
    ? p.tabs.map((t, i) => h(Text, { key: t.id, ...(t.current ? role(p.active ? 'titleActive' : 'title') : role('muted')) }, `${i > 0 ? ' ' : ''}${t.current ? `[${t.title}]` : t.title}`))
    : [h(Text, { key: 't', ...role(p.active ? 'titleActive' : 'title') }, ` ${p.title} `)];
  return h(
    Box,
    { flexDirection: 'column', width: p.width, height: p.height, borderStyle: 'single', borderColor: border.color, borderDimColor: border.dimColor, overflow: 'hidden' },
    h(
      Box,
      { height: 1, flexShrink: 0, justifyContent: 'space-between' },
      h(Text, { wrap: 'truncate' }, ...titles),
      p.status ? h(Text, { ...role(p.status.level === 'ok' ? 'ok' : p.status.level === 'muted' ? 'muted' : p.status.level), wrap: 'truncate' }, ` ${p.status.text}`) : null,
    ),
    p.children,
  );
}
