// A full-body box for help, inspect and the run form: a title and lines.
import { Box, Text } from 'ink';
import { createElement as h } from 'react';

import { useRole } from './theme-context.ts';

export interface OverlayProps {
  title: string;
  lines: { text: string; role?: 'text' | 'muted' | 'header' | 'selected' | 'error' | 'accent' }[];
  width: number;
  height: number;
}

export function Overlay(p: OverlayProps) {
  const role = useRole();
  const room = Math.max(0, p.height - 3);
  return h(
    Box,
    { flexDirection: 'column', width: p.width, height: p.height, borderStyle: 'single', borderColor: role('borderActive').color, overflow: 'hidden' },
    h(Text, { ...role('titleActive'), wrap: 'truncate' }, ` ${p.title} `),
    ...p.lines.slice(0, room).map((l, i) => h(Text, { key: i, ...role(l.role ?? 'text'), wrap: 'truncate' }, l.text || ' ')),
  );
}
