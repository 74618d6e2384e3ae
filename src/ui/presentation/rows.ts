// How many rows a pane has now (for moving the selection).
import type { PaneId, UiState } from '../store/state.ts';
import { cgroupRows, eventRows, filterContainers, requestRows } from './panes.ts';
import { spanTree } from './trace.ts';

export function rowCount(s: UiState, pane: PaneId): number {
  switch (pane) {
    case 'containers':
      return filterContainers(s.containers, s.filter).length;
    case 'requests':
      return requestRows(s.requests, 80, s.filter).rows.length;
    case 'events':
      return eventRows(s.events, 80, s.filter).rows.length;
    case 'shims':
      return s.shims.length;
    case 'cgroups':
      return cgroupRows(s, 80).rows.length;
    case 'trace':
      return s.trace ? spanTree(s.trace.spans).length : 0;
  }
}
