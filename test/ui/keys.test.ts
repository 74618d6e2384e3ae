// Keys through the router into the store, rendered by the real App
// (ink-testing-library: a 100-column fake terminal).
import { render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { describe, expect, it } from 'vitest';

import { Client } from '../../src/client/client.ts';
import { StrataApi } from '../../src/client/strata.ts';
import { App } from '../../src/ui/components/App.ts';
import { Controller } from '../../src/ui/controller.ts';
import { Store } from '../../src/ui/store/store.ts';
import { loadTheme } from '../../src/ui/theme/theme.ts';
import { plain, recordedState } from './recorded.ts';

const wait = () => new Promise((r) => setTimeout(r, 30));

async function workbench() {
  const store = new Store('unix:///nonexistent/strata-ui-test.sock', 0);
  const client = new Client({ host: 'unix:///nonexistent/strata-ui-test.sock', version: '1.47' });
  const c = new Controller({ store, client, strata: new StrataApi(client.transport), theme: loadTheme('default', {}), roots: undefined, cli: ['true'], tour: false });
  store.update({ ...recordedState(100, 30), host: store.state.host });
  const app = render(h(App, { store, router: c.router }));
  await wait();
  const press = async (k: string) => {
    app.stdin.write(k);
    await wait();
  };
  return { store, app, press, frame: () => plain(app.lastFrame() ?? '') };
}

describe('keys', () => {
  it('j/k and arrows move the selection; tab moves the focus and the tab strip follows', async () => {
    const w = await workbench();
    expect(w.store.state.selected.containers).toBe(0);
    await w.press('j');
    expect(w.store.state.selected.containers).toBe(1);
    await w.press('j');
    await w.press('j'); // stays on the last row
    expect(w.store.state.selected.containers).toBe(2);
    await w.press('k');
    await w.press('\x1b[A'); // up arrow
    expect(w.store.state.selected.containers).toBe(0);
    await w.press('\t');
    expect(w.store.state.focus).toBe('requests');
    await w.press('\t');
    expect(w.store.state.focus).toBe('events');
    expect(w.frame()).toContain('[lifecycle events]');
    await w.press('\x1b[Z'); // shift-tab
    expect(w.store.state.focus).toBe('requests');
    w.app.unmount();
  });

  it('/ filters every pane as you type; esc clears it', async () => {
    const w = await workbench();
    await w.press('/');
    for (const ch of 'gentle') await w.press(ch);
    expect(w.store.state.filter).toBe('gentle');
    expect(w.frame()).toContain('/gentle');
    expect(w.frame()).toContain('gentle_turing');
    expect(w.frame()).not.toMatch(/^│web /m);
    await w.press('\r');
    expect(w.store.state.mode.kind).toBe('normal');
    expect(w.store.state.filter).toBe('gentle');
    await w.press('/');
    await w.press('\x1b');
    await wait();
    expect(w.store.state.filter).toBe('');
    w.app.unmount();
  });

  it('r opens the run form; typing edits the focused field; esc cancels', async () => {
    const w = await workbench();
    await w.press('r');
    expect(w.frame()).toContain('image:');
    await w.press('\t');
    await w.press('\t');
    for (const ch of 'demo') await w.press(ch);
    const m = w.store.state.mode;
    expect(m.kind === 'form' && m.fields.find((f) => f.key === 'name')?.value).toBe('demo');
    await w.press('\x1b');
    await wait();
    expect(w.store.state.mode.kind).toBe('normal');
    w.app.unmount();
  });

  it('d asks before removing; anything but y cancels', async () => {
    const w = await workbench();
    await w.press('d');
    expect(w.frame()).toMatch(/Remove \S+ \(running\), killing it first\? \[y\/N\]/);
    await w.press('n');
    expect(w.store.state.mode.kind).toBe('normal');
    expect(w.store.state.notice?.text).toBe('cancelled');
    w.app.unmount();
  });

  it('restart stratad on an engine not started by `strata engine` says why it cannot', async () => {
    const w = await workbench();
    await w.press('D');
    expect(w.store.state.notice?.level).toBe('error');
    expect(w.store.state.notice?.text).toContain("stratad: the engine's roots are unknown");
    w.app.unmount();
  });
});

describe('keys arriving in one chunk', () => {
  it('"\\t\\tweb" fills the name field, as typed one by one', async () => {
    const w = await workbench();
    await w.press('r');
    await w.press('\t\tweb');
    const m = w.store.state.mode;
    expect(m.kind === 'form' && m.fields.map((f) => f.value)).toEqual(['busybox', 'sh -c "while true; do sleep 1; done"', 'web', '']);
    w.app.unmount();
  });
});
