// Every pane, and the whole workbench, rendered at 80 and 120 columns from
// a state replayed from recorded streams (Ink's renderToString: a fake
// terminal of that width).
import { renderToString } from 'ink';
import { createElement as h } from 'react';
import { describe, expect, it } from 'vitest';

import { Body } from '../../src/ui/components/App.ts';
import { ListPane } from '../../src/ui/panes/ListPane.ts';
import { paneProps } from '../../src/ui/panes/pane-props.ts';
import { setFeed } from '../../src/ui/store/reduce.ts';
import { PANES, type PaneId, type UiState } from '../../src/ui/store/state.ts';
import { plain, recordedState } from './recorded.ts';

const NOW = Date.parse('2026-11-23T19:55:00Z');

function pane(id: PaneId, s: UiState, width: number, height = 14): string[] {
  return plain(renderToString(h(ListPane, paneProps(id, s, width, height, NOW)), { columns: width })).split('\n');
}

const expected: Record<PaneId, RegExp[]> = {
  containers: [/containers 2\/3 running/, /NAME\s+IMAGE\s+STATE\s+UP\s+CPU%\s+MEM\/LIMIT\s+PIDS/, /web\s+busybox\s+running\s+1m\s+0\.1%\s+420K\/64\.0M/],
  requests: [/stratad requests/, /TIME\s+METHOD\s+PATH/, /POST\s+\/containers\/create\?name=traced\s+201/],
  events: [/lifecycle events/, /\/tasks\/start\s+07d0fd7ecd35\s+pid=31543/, /\/tasks\/exit\s+1baab628c4dc/],
  shims: [/stratad is pid 31290; no shim is its child/, /CONTAINER\s+SHIM\s+PARENT\s+INIT\s+RSS\s+UP/, /web\s+31313 init 1\s+31315/],
  cgroups: [/CPU% of one core \(100% = 1 core, 2 online\)/, /NAME\s+CPU%\s+CPU 60s/, /web\s+0\.1%/],
  trace: [/run 025fea28: [\d.]+ms across client → stratad → lifecycled → shim → runtime/, /runtime\s+pivot_root/, /lifecycled\s+Tasks\.Create/],
};

describe('panes from recorded streams', () => {
  for (const width of [80, 120]) {
    for (const id of PANES) {
      it(`${id} at ${width} columns`, () => {
        // The trace of a run has 36 spans: its pane gets the room to show them all.
        const height = id === 'trace' ? 42 : 18;
        const lines = pane(id, recordedState(width, 40), width, height);
        expect(lines).toHaveLength(height);
        for (const l of lines) expect([...l].length).toBeLessThanOrEqual(width);
        const text = lines.join('\n');
        // The narrow layout truncates long paths; the key facts still show.
        for (const re of expected[id]) expect(text, `${id}@${width}: ${re}`).toMatch(re);
      });
    }
  }

  it('a pane whose stream is absent (a dockerd) says it needs strata', () => {
    let s = recordedState(80, 24);
    s = { ...s, ...setFeed(s, 'shims', 'unsupported', '/strata/shims') };
    const text = pane('shims', s, 80).join('\n');
    expect(text).toContain('the shim list needs strata: 404 from /strata/shims');
  });

  it('a pane whose daemon went away says so and that it reconnects', () => {
    let s = recordedState(80, 24);
    s = { ...s, ...setFeed(s, 'api', 'down', 'cannot reach the daemon at unix:///x (ENOENT)') };
    const text = pane('containers', s, 80).join('\n');
    expect(text).toMatch(/down \d+s, reconnecting/);
    expect(text).toContain('stratad: cannot reach the daemon at unix:///x (ENOENT)');
  });
});

describe('the whole body', () => {
  it('80x24: containers on top, one layer pane as tabs below, nothing wider than 80', () => {
    const s = { ...recordedState(80, 24), detail: 'shims' as PaneId };
    const lines = plain(renderToString(h(Body, { s, width: 80, height: 21 }), { columns: 80 })).split('\n');
    expect(lines).toHaveLength(21);
    for (const l of lines) expect([...l].length).toBeLessThanOrEqual(80);
    const text = lines.join('\n');
    expect(text).toMatch(/containers 2\/3 running/);
    expect(text).toMatch(/stratad requests lifecycle events \[shims\] cgroups trace/);
  });
  it('wide screens show all six panes', () => {
    const s = recordedState(160, 50);
    const text = plain(renderToString(h(Body, { s, width: 160, height: 47 }), { columns: 160 }));
    for (const t of ['containers 2/3', 'stratad requests', 'lifecycle events', 'shims', 'cgroups', 'trace · last run']) expect(text).toContain(t);
  });
});
