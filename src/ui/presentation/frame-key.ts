// What is on screen, as one string: if a change of state leaves it the same
// (a stats sample of a container scrolled out of view, a request while the
// requests pane is hidden), React and Ink need not run at all. With 100
// containers this is most ticks, and most of the workbench's CPU.
import type { UiState } from '../store/state.ts';
import { paneProps } from '../panes/pane-props.ts';
import { windowStart } from '../components/Table.ts';
import { layout } from './layout.ts';

export function frameKey(s: UiState, now = Date.now()): string {
  const parts: unknown[] = [s.size, s.mode, s.focus, s.detail, s.filter, s.notice, s.engine, s.host];
  if (s.mode.kind === 'normal' || s.mode.kind === 'filter' || s.mode.kind === 'confirm' || s.mode.kind === 'tour') {
    const lay = layout(s.size.cols, s.size.rows, s.detail);
    for (const col of lay.columns) {
      for (const p of col.panes) {
        const props = paneProps(p.id, s, col.width, p.height, now);
        const size = Math.max(1, p.height - 4 - (props.captions?.length ?? 0) - (props.problem ? 1 : 0));
        const start = windowStart(props.rows.rows.length, props.selected, size);
        parts.push(p.id, props.title, props.status, props.problem, props.captions, props.footer, props.rows.header, props.selected, props.rows.rows.length === 0);
        for (const r of props.rows.rows.slice(start, start + size)) parts.push(r.text, r.tone);
      }
    }
  }
  return JSON.stringify(parts);
}
