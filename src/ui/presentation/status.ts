// A feed's state as the few words a pane shows in its top-right corner.
import type { FeedState } from '../store/state.ts';

export interface PaneStatus {
  text: string;
  level: 'ok' | 'warn' | 'error' | 'muted';
}

export function feedStatus(f: FeedState, now = Date.now()): PaneStatus {
  switch (f.status) {
    case 'live':
      return { text: 'live', level: 'ok' };
    case 'connecting':
      return { text: 'connecting…', level: 'muted' };
    case 'unsupported':
      return { text: 'needs strata', level: 'warn' };
    case 'down':
      return { text: `down ${Math.max(0, Math.floor((now - f.since) / 1000))}s, reconnecting`, level: 'error' };
  }
}

/** The line a pane shows instead of rows when its feed is not live. */
export function feedProblem(f: FeedState, what: string): string | undefined {
  // error holds the path that answered 404 (a dockerd, or a stratad without it).
  if (f.status === 'unsupported') return `${what} needs strata: 404 from ${f.error ?? '/strata/'}`;
  if (f.status === 'down') return `${f.error ?? 'unreachable'}`;
  return undefined;
}
