// Docker-style flag parsing for the strata verbs: long and short spellings,
// `--flag=value`, `-e A=1` and `-eA=1`, clustered booleans (`-it`),
// `--rm=false`, `--` to end the flags. Flags may follow positionals (`rm x -f`)
// except for verbs that run a command (run, exec): there the first
// positional past the fixed ones ends parsing, so `run busybox ls -l` keeps
// `-l` for ls.
export class UsageError extends Error {}

export interface FlagSpec {
  /** Long name without dashes; the key in the result. */
  name: string;
  short?: string;
  kind: 'bool' | 'value' | 'list';
}

export interface Parsed {
  bools: Set<string>;
  /** Booleans explicitly set false (--sig-proxy=false), for flags that default to true. */
  falses: Set<string>;
  values: Map<string, string>;
  lists: Map<string, string[]>;
  positionals: string[];
}

export interface ParseOptions {
  /** After this many positionals the rest are positionals as is (run: 1 = IMAGE; 0 = stop at the first one). */
  stopAfter?: number;
}

const BOOL_WORDS: Record<string, boolean> = { true: true, '1': true, false: false, '0': false };

export function parseArgs(argv: string[], flags: FlagSpec[], options: ParseOptions = {}): Parsed {
  const out: Parsed = { bools: new Set(), falses: new Set(), values: new Map(), lists: new Map(), positionals: [] };
  const byLong = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short as string, f]));
  const set = (flag: FlagSpec, value: string | undefined, shown: string): void => {
    if (flag.kind === 'bool') {
      const b = value === undefined ? true : BOOL_WORDS[value];
      if (b === undefined) throw new UsageError(`invalid argument "${value}" for "${shown}" flag: expected true or false`);
      if (b) {
        out.bools.add(flag.name);
        out.falses.delete(flag.name);
      } else {
        out.bools.delete(flag.name);
        out.falses.add(flag.name);
      }
    } else if (value === undefined) throw new UsageError(`flag needs an argument: ${shown}`);
    else if (flag.kind === 'value') out.values.set(flag.name, value);
    else out.lists.set(flag.name, [...(out.lists.get(flag.name) ?? []), value]);
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (options.stopAfter !== undefined && options.stopAfter > 0 && out.positionals.length >= options.stopAfter) {
      out.positionals.push(...argv.slice(i));
      break;
    }
    if (arg === '--') {
      out.positionals.push(...argv.slice(i + 1));
      break;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const flag = byLong.get(name);
      if (!flag) throw new UsageError(`unknown flag: --${name}`);
      let value = eq >= 0 ? arg.slice(eq + 1) : undefined;
      if (value === undefined && flag.kind !== 'bool') value = argv[++i];
      set(flag, value, `--${name}`);
    } else if (arg.startsWith('-') && arg.length > 1) {
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j] as string;
        const flag = byShort.get(ch);
        if (!flag) throw new UsageError(`unknown shorthand flag: '${ch}' in ${arg}`);
        if (flag.kind === 'bool') {
          // -t=false style, rare but accepted by pflag.
          if (arg[j + 1] === '=') {
            set(flag, arg.slice(j + 2), `-${ch}`);
            break;
          }
          set(flag, undefined, `-${ch}`);
          continue;
        }
        let value = arg.slice(j + 1);
        if (value.startsWith('=')) value = value.slice(1);
        set(flag, value !== '' ? value : argv[++i], `-${ch}`);
        break;
      }
    } else if (options.stopAfter === 0) {
      // Global flags end at the verb: everything from it on is the verb's.
      out.positionals.push(...argv.slice(i));
      break;
    } else out.positionals.push(arg);
  }
  return out;
}

/** A parsed integer flag, or undefined when absent. */
export function intFlag(p: Parsed, name: string): number | undefined {
  const v = p.values.get(name);
  if (v === undefined) return undefined;
  if (!/^-?\d+$/.test(v)) throw new UsageError(`invalid argument "${v}" for "--${name}" flag: not an integer`);
  return Number(v);
}

/** Sizes as docker reads them: 64m, 1g, 512k, 1024b, plain bytes. */
export function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*([bkmgt]?)b?$/i.exec(s.trim());
  if (!m) throw new UsageError(`invalid size: '${s}'`);
  const mult: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };
  return Math.round(Number(m[1]) * (mult[(m[2] as string).toLowerCase()] as number));
}

/** Require exactly/at least some positionals. */
export function needArgs(p: Parsed, min: number, usage: string, max = Infinity): void {
  const n = p.positionals.length;
  if (n < min || n > max) throw new UsageError(`"${usage}" requires ${min === max ? 'exactly' : 'at least'} ${min} argument${min === 1 ? '' : 's'}`);
}

/** ["a=1", "b"] -> { a: "1", b: "" }: --label, --opt and friends. */
export function keyValues(list: string[]): Record<string, string> {
  return Object.fromEntries(list.map((s) => (s.includes('=') ? [s.slice(0, s.indexOf('=')), s.slice(s.indexOf('=') + 1)] : [s, ''])));
}
