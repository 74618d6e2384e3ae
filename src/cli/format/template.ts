// A small Go-template subset for --format, enough for what docker users
// write: `{{.ID}}`, `{{.State.Status}}`, `{{json .}}`, `{{json .Config}}`,
// `{{upper .Names}}`, `{{lower .X}}`, `{{join .Args " "}}`,
// `{{index .Labels "k"}}`, `{{println}}`. A leading "table" asks for a header
// row and aligned columns; `\t` and `\n` in the format are real tabs and
// newlines, as in docker's formatter.
import { alignColumns } from './table.ts';

export class TemplateError extends Error {}

type Token = { text: string } | { action: string };

function tokenize(tpl: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < tpl.length) {
    const open = tpl.indexOf('{{', i);
    if (open < 0) {
      out.push({ text: tpl.slice(i) });
      break;
    }
    if (open > i) out.push({ text: tpl.slice(i, open) });
    const close = tpl.indexOf('}}', open + 2);
    if (close < 0) throw new TemplateError(`template: unclosed action in "${tpl}"`);
    out.push({ action: tpl.slice(open + 2, close).trim().replace(/^-\s*|\s*-$/g, '') });
    i = close + 2;
  }
  return out;
}

/** Split an action into words, keeping "quoted strings" whole. */
function words(action: string): string[] {
  return action.match(/"(?:[^"\\]|\\.)*"|\S+/g) ?? [];
}

function lookup(data: unknown, path: string): unknown {
  if (path === '.') return data;
  let cur: unknown = data;
  for (const key of path.split('.').slice(1)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

function argValue(word: string, data: unknown): unknown {
  if (word.startsWith('"')) return JSON.parse(word) as string;
  if (word.startsWith('.')) return lookup(data, word);
  if (/^-?\d+$/.test(word)) return Number(word);
  throw new TemplateError(`template: function "${word}" not defined`);
}

/** Go's default printing: strings as is, lists as [a b], maps as map[k:v], nil as <nil>. */
export function goString(v: unknown): string {
  if (v === undefined) return '<no value>';
  if (v === null) return '<nil>';
  if (typeof v === 'string') return v;
  if (Array.isArray(v)) return `[${v.map(goString).join(' ')}]`;
  if (typeof v === 'object') {
    const entries = Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : 1));
    return `map[${entries.map(([k, x]) => `${k}:${goString(x)}`).join(' ')}]`;
  }
  return String(v);
}

const FUNCS: Record<string, (args: unknown[]) => string> = {
  json: ([v]) => JSON.stringify(v ?? null),
  upper: ([v]) => goString(v).toUpperCase(),
  lower: ([v]) => goString(v).toLowerCase(),
  title: ([v]) => goString(v).replace(/\b\w/g, (c) => c.toUpperCase()),
  join: ([list, sep]) => (Array.isArray(list) ? list.map(goString).join(String(sep ?? '')) : goString(list)),
  index: ([m, k]) => (m && typeof m === 'object' ? goString((m as Record<string, unknown>)[String(k)]) : ''),
  println: (args) => `${args.map(goString).join(' ')}\n`,
  len: ([v]) => String(Array.isArray(v) || typeof v === 'string' ? v.length : v && typeof v === 'object' ? Object.keys(v).length : 0),
};

function evalAction(action: string, data: unknown): string {
  const w = words(action);
  const [head, ...rest] = w;
  if (head === undefined) throw new TemplateError('template: empty action');
  if (head.startsWith('.')) {
    if (rest.length > 0) throw new TemplateError(`template: can't give argument to non-function ${head}`);
    return goString(lookup(data, head));
  }
  const fn = FUNCS[head];
  if (!fn) throw new TemplateError(`template: function "${head}" not defined`);
  return fn(rest.map((a) => argValue(a, data)));
}

export interface Compiled {
  table: boolean;
  render(data: unknown): string;
  /** The header line for a table: each {{.Field}} replaced by headers[Field] or FIELD. */
  header(headers: Record<string, string>): string;
}

export function compile(format: string): Compiled {
  let f = format;
  const table = f.startsWith('table');
  if (table) f = f.slice('table'.length);
  f = f.replace(/^ +| +$/g, '').replace(/\\t/g, '\t').replace(/\\n/g, '\n');
  const tokens = tokenize(f);
  return {
    table,
    render: (data) => tokens.map((t) => ('text' in t ? t.text : evalAction(t.action, data))).join(''),
    header: (headers) =>
      tokens
        .map((t) => {
          if ('text' in t) return t.text;
          const field = /^\.(\w+)$/.exec(t.action)?.[1];
          return field ? headers[field] ?? field.toUpperCase() : '';
        })
        .join(''),
  };
}

/**
 * Render rows with a format: a table gets a header and aligned columns
 * (docker: tabwriter, min width 10, padding 3); anything else one line per row.
 */
export function renderRows(format: string, rows: unknown[], headers: Record<string, string>): string {
  const c = compile(format);
  const lines = rows.map((r) => c.render(r));
  if (!c.table) return lines.map((l) => `${l}\n`).join('');
  return alignColumns([c.header(headers), ...lines]);
}

/** What `inspect` prints: each object through --format, or all of them as indented JSON like docker. */
export function renderInspect(objects: unknown[], format: string | undefined): string {
  if (!format) return `${JSON.stringify(objects, null, 4)}\n`;
  const t = compile(format);
  return objects.map((o) => `${t.render(o)}\n`).join('');
}
