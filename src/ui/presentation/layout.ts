// Where the panes go for a terminal size. The frame is one row shorter than
// the screen (a full-height frame makes Ink clear the screen on every update).
// Wide and tall: every pane at once, two columns. Otherwise (80x24 over SSH):
// the containers pane on top and one layer pane below, tabbed.
import { PANES, type PaneId } from '../store/state.ts';

export interface Placed {
  id: PaneId;
  height: number;
}

export interface Layout {
  /** Frame height (screen rows - 1) and width. */
  width: number;
  height: number;
  columns: { width: number; panes: Placed[] }[];
  /** Compact: the layer panes share one slot, shown as tabs. */
  tabbed: boolean;
}

export const MIN_COLS = 80;
export const MIN_ROWS = 24;

function split(total: number, parts: number[]): number[] {
  const sum = parts.reduce((a, b) => a + b, 0);
  const out = parts.map((p) => Math.floor((total * p) / sum));
  out[out.length - 1] = (out[out.length - 1] as number) + total - out.reduce((a, b) => a + b, 0);
  return out;
}

/** detail: the layer pane shown below the containers in compact mode. */
export function layout(cols: number, rows: number, detail: PaneId): Layout {
  const width = Math.max(1, cols);
  const height = Math.max(1, rows - 1);
  const body = Math.max(4, height - 2); // header line and footer line
  if (cols >= 150 && body >= 36) {
    const left = Math.floor(width / 2);
    const [c, s, g] = split(body, [4, 2, 3]) as [number, number, number];
    const [r, e, t] = split(body, [4, 3, 3]) as [number, number, number];
    return {
      width, height, tabbed: false,
      columns: [
        { width: left, panes: [{ id: 'containers', height: c }, { id: 'shims', height: s }, { id: 'cgroups', height: g }] },
        { width: width - left, panes: [{ id: 'requests', height: r }, { id: 'events', height: e }, { id: 'trace', height: t }] },
      ],
    };
  }
  const top = Math.max(6, Math.floor(body * 0.42));
  return { width, height, tabbed: true, columns: [{ width, panes: [{ id: 'containers', height: top }, { id: detail === 'containers' ? 'requests' : detail, height: body - top }] }] };
}

export const LAYER_PANES: PaneId[] = PANES.filter((p) => p !== 'containers');
