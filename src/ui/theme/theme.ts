// Themes are data (themes/*.json): roles, not widgets. Each role is a named
// ANSI colour ("default" = the terminal's own) plus attributes. A file is
// checked on load and a bad one is refused with its path and the key.
// NO_COLOR (https://no-color.org) turns every colour off, attributes stay.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROLES = ['text', 'muted', 'border', 'borderActive', 'title', 'titleActive', 'header', 'selected', 'ok', 'warn', 'error', 'accent'] as const;
export type Role = (typeof ROLES)[number];

export const COLORS = [
  'default', 'black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white', 'gray',
  'blackBright', 'redBright', 'greenBright', 'yellowBright', 'blueBright', 'magentaBright', 'cyanBright', 'whiteBright',
] as const;
export type Color = (typeof COLORS)[number];

export interface Style {
  color?: Color;
  background?: Color;
  bold?: boolean;
  dim?: boolean;
  inverse?: boolean;
  underline?: boolean;
}

export interface Theme {
  name: string;
  roles: Record<Role, Style>;
}

export class ThemeError extends Error {
  constructor(
    readonly file: string,
    readonly key: string,
    why: string,
  ) {
    super(`theme ${file}: ${key}: ${why}`);
    this.name = 'ThemeError';
  }
}

const ATTRS = ['bold', 'dim', 'inverse', 'underline'] as const;

function checkStyle(file: string, role: string, raw: unknown): Style {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ThemeError(file, `roles.${role}`, 'expected an object like {"color": "cyan", "bold": true}');
  const out: Style = {};
  for (const [k, v] of Object.entries(raw)) {
    const key = `roles.${role}.${k}`;
    if (k === 'color' || k === 'background') {
      if (typeof v !== 'string' || !(COLORS as readonly string[]).includes(v)) throw new ThemeError(file, key, `"${String(v)}" is not a colour (one of ${COLORS.join(', ')})`);
      out[k] = v as Color;
    } else if ((ATTRS as readonly string[]).includes(k)) {
      if (typeof v !== 'boolean') throw new ThemeError(file, key, 'expected true or false');
      out[k as (typeof ATTRS)[number]] = v;
    } else throw new ThemeError(file, key, `unknown attribute (expected color, background, ${ATTRS.join(', ')})`);
  }
  return out;
}

/** Parse and check a theme file's text; every role is required, nothing unknown allowed. */
export function parseTheme(file: string, text: string): Theme {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ThemeError(file, '(file)', `not JSON: ${(e as Error).message}`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new ThemeError(file, '(file)', 'expected a JSON object with "name" and "roles"');
  const obj = raw as Record<string, unknown>;
  for (const k of Object.keys(obj)) if (k !== 'name' && k !== 'roles' && k !== 'description') throw new ThemeError(file, k, 'unknown key (expected name, description, roles)');
  if (typeof obj.name !== 'string' || obj.name === '') throw new ThemeError(file, 'name', 'expected a non-empty string');
  const roles = obj.roles;
  if (typeof roles !== 'object' || roles === null || Array.isArray(roles)) throw new ThemeError(file, 'roles', 'expected an object of roles');
  for (const k of Object.keys(roles)) if (!(ROLES as readonly string[]).includes(k)) throw new ThemeError(file, `roles.${k}`, `unknown role (expected ${ROLES.join(', ')})`);
  const out = {} as Record<Role, Style>;
  for (const role of ROLES) {
    if (!(role in roles)) throw new ThemeError(file, `roles.${role}`, 'missing');
    out[role] = checkStyle(file, role, (roles as Record<string, unknown>)[role]);
  }
  return { name: obj.name, roles: out };
}

/** Colours off, attributes kept: every theme still reads (NO_COLOR, monochrome). */
export function withoutColor(t: Theme): Theme {
  const roles = {} as Record<Role, Style>;
  for (const r of ROLES) {
    const { color: _c, background: _b, ...rest } = t.roles[r];
    roles[r] = rest;
  }
  return { name: t.name, roles };
}

/** themes/ of the strata installation (walks up from this module, as in src and dist alike). */
export function themesDir(): string {
  if (process.env.STRATA_THEMES_DIR) return process.env.STRATA_THEMES_DIR;
  for (let dir = dirname(fileURLToPath(import.meta.url)); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'themes', 'default.json'))) return join(dir, 'themes');
    if (dirname(dir) === dir) throw new Error('cannot find the themes/ folder of the strata installation; set STRATA_THEMES_DIR');
  }
}

/** A theme by name (themes/NAME.json) or by path (anything with a "/" or ".json"). */
export function loadTheme(nameOrPath: string, env: NodeJS.ProcessEnv = process.env): Theme {
  const file = nameOrPath.includes('/') || nameOrPath.endsWith('.json') ? nameOrPath : join(themesDir(), `${nameOrPath}.json`);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ThemeError(file, '(file)', `cannot read it: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const theme = parseTheme(file, text);
  return env.NO_COLOR !== undefined && env.NO_COLOR !== '' ? withoutColor(theme) : theme;
}

/** Ink <Text> props for a role ("default" colours are left to the terminal). */
export function textProps(s: Style): { color?: string; backgroundColor?: string; bold?: boolean; dimColor?: boolean; inverse?: boolean; underline?: boolean } {
  return {
    ...(s.color && s.color !== 'default' ? { color: s.color } : {}),
    ...(s.background && s.background !== 'default' ? { backgroundColor: s.background } : {}),
    ...(s.bold ? { bold: true } : {}),
    ...(s.dim ? { dimColor: true } : {}),
    ...(s.inverse ? { inverse: true } : {}),
    ...(s.underline ? { underline: true } : {}),
  };
}
