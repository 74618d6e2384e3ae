// Themes are data, checked on load: every shipped theme loads; a bad file is
// refused with its path and the key; NO_COLOR takes every colour away.
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, describe, expect, it } from 'vitest';

import { loadTheme, parseTheme, ROLES, themesDir, ThemeError } from '../../src/ui/theme/theme.ts';

const dir = mkdtempSync(join(tmpdir(), 'strata-theme-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function bad(name: string, body: unknown): string {
  const f = join(dir, `${name}.json`);
  writeFileSync(f, typeof body === 'string' ? body : JSON.stringify(body));
  return f;
}

const good = JSON.parse(JSON.stringify(loadTheme('dark', {}))) as { name: string; roles: Record<string, unknown> };

describe('themes', () => {
  it('ships default, dark, light, high-contrast and monochrome, each complete', () => {
    const names = readdirSync(themesDir()).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, '')).sort();
    expect(names).toEqual(['dark', 'default', 'high-contrast', 'light', 'monochrome']);
    for (const n of names) {
      const t = loadTheme(n, {});
      expect(Object.keys(t.roles).sort()).toEqual([...ROLES].sort());
    }
  });

  it('default uses the terminal colours for text; monochrome has no colour at all', () => {
    expect(loadTheme('default', {}).roles.text).toEqual({});
    for (const s of Object.values(loadTheme('monochrome', {}).roles)) expect(s.color ?? s.background).toBeUndefined();
  });

  it('NO_COLOR removes every colour and keeps the attributes', () => {
    const t = loadTheme('dark', { NO_COLOR: '1' });
    for (const s of Object.values(t.roles)) {
      expect(s.color).toBeUndefined();
      expect(s.background).toBeUndefined();
    }
    expect(t.roles.error.bold).toBe(true);
  });

  it('a bad colour names the file and the key', () => {
    const f = bad('badcolor', { ...good, roles: { ...good.roles, warn: { color: 'orange' } } });
    expect(() => loadTheme(f, {})).toThrow(ThemeError);
    expect(() => loadTheme(f, {})).toThrow(`theme ${f}: roles.warn.color: "orange" is not a colour`);
  });

  it('a missing role, an unknown role, an unknown attribute, bad JSON: file and key each time', () => {
    const { ok: _ok, ...noOk } = good.roles;
    expect(() => loadTheme(bad('missing', { ...good, roles: noOk }), {})).toThrow(/missing\.json: roles\.ok: missing/);
    expect(() => loadTheme(bad('unknownrole', { ...good, roles: { ...good.roles, sparkles: {} } }), {})).toThrow(/unknownrole\.json: roles\.sparkles: unknown role/);
    expect(() => loadTheme(bad('attr', { ...good, roles: { ...good.roles, text: { blink: true } } }), {})).toThrow(/attr\.json: roles\.text\.blink: unknown attribute/);
    expect(() => loadTheme(bad('boolattr', { ...good, roles: { ...good.roles, text: { bold: 'yes' } } }), {})).toThrow(/boolattr\.json: roles\.text\.bold: expected true or false/);
    expect(() => loadTheme(bad('json', '{"name": '), {})).toThrow(/json\.json: \(file\): not JSON/);
    expect(() => loadTheme(join(dir, 'nope.json'), {})).toThrow(/nope\.json: \(file\): cannot read it: ENOENT/);
    expect(() => parseTheme('x.json', JSON.stringify({ ...good, colour: 1 }))).toThrow('theme x.json: colour: unknown key');
  });
});
