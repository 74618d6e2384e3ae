// The help screen is drawn from the one key table, and the table is what
// the handlers implement: a key added to one and not the other fails here.
import { renderToString } from 'ink';
import { render } from 'ink-testing-library';
import { createElement as h } from 'react';
import { describe, expect, it } from 'vitest';

import { Client } from '../../src/client/client.ts';
import { StrataApi } from '../../src/client/strata.ts';
import { App, Body } from '../../src/ui/components/App.ts';
import { Controller } from '../../src/ui/controller.ts';
import { footerHints, helpLines, KEYMAP } from '../../src/ui/keys/keymap.ts';
import { Store } from '../../src/ui/store/store.ts';
import { loadTheme } from '../../src/ui/theme/theme.ts';
import { plain, recordedState } from './recorded.ts';

function controller(): Controller {
  const store = new Store('unix:///nonexistent/strata-ui-test.sock', 0);
  const client = new Client({ host: 'unix:///nonexistent/strata-ui-test.sock', version: '1.47' });
  return new Controller({ store, client, strata: new StrataApi(client.transport), theme: loadTheme('default', {}), roots: undefined, cli: ['true'], tour: false });
}

describe('help screen and key table', () => {
  it('every binding is on the help screen with its keys and words', () => {
    const s = { ...recordedState(120, 40), mode: { kind: 'help' as const } };
    const text = plain(renderToString(h(Body, { s, width: 120, height: 37 }), { columns: 120 }));
    for (const b of KEYMAP) {
      const line = text.split('\n').find((l) => l.includes(b.help));
      expect(line, `help for ${b.action}`).toBeDefined();
      expect(line).toContain(b.keys.join(' '));
    }
    expect(helpLines().filter((l) => l.startsWith('  '))).toHaveLength(KEYMAP.length);
  });

  it('no key is bound twice, and the table and the handlers name the same actions', () => {
    const keys = KEYMAP.flatMap((b) => b.keys);
    expect(new Set(keys).size).toBe(keys.length);
    const c = controller();
    expect(Object.keys(c.actions).sort()).toEqual(KEYMAP.map((b) => b.action).sort());
  });

  it('the footer hints come from the table and fit 80 columns', () => {
    const f = footerHints(80);
    expect(f.length).toBeLessThanOrEqual(80);
    for (const b of KEYMAP.filter((x) => x.hint)) if (f.includes(` ${b.hint}`)) expect(f).toContain(`${b.keys[0]} ${b.hint}`);
    expect(f).toContain('r run');
  });

  it('? opens the help through the router and any key closes it', async () => {
    const c = controller();
    c.store.update({ ...recordedState(100, 30), host: c.store.state.host });
    const app = render(h(App, { store: c.store, router: c.router }));
    const wait = () => new Promise((r) => setTimeout(r, 30));
    await wait();
    app.stdin.write('?');
    await wait();
    expect(plain(app.lastFrame() ?? '')).toContain(KEYMAP.find((b) => b.action === 'copyId')!.help);
    app.stdin.write('x');
    await wait();
    expect(plain(app.lastFrame() ?? '')).toContain('containers 2/3 running');
    app.unmount();
  });
});
