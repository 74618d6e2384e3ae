// The workbench's root: header line, panes as the layout places them (or an
// overlay: help, run form, inspect), the tour box, and the footer. It reads
// the store and hands every key to the router; it holds no state of its own.
import { Box, Text, useInput } from 'ink';
import { createElement as h, useRef, useSyncExternalStore } from 'react';

import { footerHints, helpLines } from '../keys/keymap.ts';
import type { Router } from '../keys/router.ts';
import { fit } from '../presentation/format.ts';
import { frameKey } from '../presentation/frame-key.ts';
import { LAYER_PANES, layout, MIN_COLS, MIN_ROWS } from '../presentation/layout.ts';
import { ListPane } from '../panes/ListPane.ts';
import { paneProps, TITLES } from '../panes/pane-props.ts';
import type { UiState } from '../store/state.ts';
import type { Store } from '../store/store.ts';
import { tourLines } from '../tour/steps.ts';
import { Overlay } from './Overlay.ts';
import { useRole } from './theme-context.ts';

export interface AppProps {
  store: Store;
  router: Router;
}

function headerText(s: UiState): string {
  const kind = s.engine.kind === 'strata' ? `stratad ${s.engine.version ?? ''}`.trim() : s.engine.kind === 'docker' ? `dockerd ${s.engine.version ?? ''} (no strata streams)` : s.feeds.api.status === 'down' ? 'daemon unreachable' : 'connecting…';
  return `strata workbench · ${s.host.replace(/^unix:\/\//, '')} · ${kind}`;
}

function footerText(s: UiState, width: number): string {
  switch (s.mode.kind) {
    case 'filter':
      return `/${s.mode.text}█  (enter keeps, esc clears)`;
    case 'confirm':
      return `${s.mode.question} [y/N]`;
    case 'help':
      return 'any key closes the help';
    case 'inspect':
      return 'j/k scroll  g/G top/bottom  esc closes';
    case 'form':
      return 'tab/↓ next field  ↑ previous  enter runs  esc cancels';
    case 'tour':
      return 'tour: space/enter next  b back  esc leaves the tour';
    default:
      return footerHints(width);
  }
}

export function Body({ s, width, height }: { s: UiState; width: number; height: number }) {
  if (s.mode.kind === 'help') return h(Overlay, { title: 'keys (? closes)', width, height, lines: helpLines().map((t) => ({ text: t, role: t.startsWith(' ') ? ('text' as const) : ('header' as const) })) });
  if (s.mode.kind === 'inspect') {
    const m = s.mode;
    return h(Overlay, { title: m.title, width, height, lines: m.lines.slice(m.scroll).map((t) => ({ text: t })) });
  }
  if (s.mode.kind === 'form') {
    const m = s.mode;
    const lines = [
      { text: 'Run a container (docker run -d). Options: -e K=V, -m 64m, --cpus 0.5, --pids-limit N, -p 8080:80, -t, --rm', role: 'muted' as const },
      { text: '' },
      ...m.fields.map((f, i) => ({ text: `${(f.label + ':').padEnd(9)} ${f.value}${i === m.focus ? '█' : ''}`, role: i === m.focus ? ('selected' as const) : ('text' as const) })),
      { text: '' },
      ...(m.error ? [{ text: m.error, role: 'error' as const }] : []),
    ];
    return h(Overlay, { title: 'run', width, height, lines });
  }
  const lay = layout(s.size.cols, s.size.rows, s.detail);
  return h(
    Box,
    { flexDirection: 'row', width, height },
    ...lay.columns.map((col, ci) =>
      h(
        Box,
        { key: ci, flexDirection: 'column', width: col.width, height },
        ...col.panes.map((p) => {
          const props = paneProps(p.id, s, col.width, p.height);
          const tabs = lay.tabbed && p.id !== 'containers' ? LAYER_PANES.map((id) => ({ id, title: TITLES[id], current: id === p.id })) : undefined;
          return h(ListPane, { key: p.id, ...props, tabs });
        }),
      ),
    ),
  );
}

/**
 * The store's state, but a new object only when what is on screen changes:
 * an unchanged snapshot makes React bail out, so Ink neither lays out nor
 * writes anything for it.
 */
function useVisibleState(store: Store): UiState {
  const last = useRef<{ key: string; state: UiState; seen: UiState } | undefined>(undefined);
  const snapshot = () => {
    const st = store.getSnapshot();
    const l = last.current;
    if (l && l.seen === st) return l.state;
    const key = frameKey(st);
    last.current = l && l.key === key ? { ...l, seen: st } : { key, state: st, seen: st };
    return last.current.state;
  };
  return useSyncExternalStore(store.subscribe, snapshot);
}

export function App({ store, router }: AppProps) {
  const s = useVisibleState(store);
  const role = useRole();
  useInput((input, key) => router.handle(input, key));
  const { cols, rows } = s.size;
  const width = cols;
  const height = Math.max(1, rows - 1);
  if (cols < MIN_COLS || rows < MIN_ROWS) {
    return h(Box, { width, height, flexDirection: 'column' }, h(Text, { wrap: 'truncate' }, `strata ui needs ${MIN_COLS}x${MIN_ROWS}; this terminal is ${cols}x${rows}.`), h(Text, { wrap: 'truncate' }, 'Enlarge it, or press q to quit.'));
  }
  const tour = s.mode.kind === 'tour' ? tourLines(s.mode.step, width - 2) : [];
  const tourHeight = tour.length > 0 ? tour.length + 2 : 0;
  const bodyHeight = height - 2 - tourHeight;
  const notice = s.notice;
  return h(
    Box,
    { flexDirection: 'column', width, height },
    h(
      Box,
      { height: 1, width },
      // A notice (what just happened) comes first; the title gives way to it.
      notice ? h(Box, { flexShrink: 0 }, h(Text, { ...role(notice.level === 'error' ? 'error' : 'ok'), wrap: 'truncate' }, fit(`${notice.text}  `, Math.min(width, notice.text.length + 2)))) : null,
      h(Box, { flexShrink: 1 }, h(Text, { ...role('accent'), wrap: 'truncate' }, headerText(s))),
    ),
    h(Body, { s, width, height: bodyHeight }),
    tourHeight > 0
      ? h(Box, { flexDirection: 'column', width, height: tourHeight, borderStyle: 'double', borderColor: role('borderActive').color }, ...tour.map((t, i) => h(Text, { key: i, ...role(i === 0 ? 'titleActive' : 'text'), wrap: 'truncate' }, t)))
      : null,
    h(Box, { height: 1, width }, h(Text, { ...role(s.mode.kind === 'confirm' ? 'warn' : 'muted'), wrap: 'truncate' }, footerText(s, width))),
  );
}
