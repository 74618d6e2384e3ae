// A small option parser for `strata lc` verbs: declared flags (boolean, value,
// repeatable value), short and long spellings, `--flag=value`, `--` ends the
// options, and verbs that take a command (run, exec) stop parsing at the first
// positional past their fixed ones so the command's own flags pass through.
export class UsageError extends Error {}

export interface FlagSpec {
  /** Long name without dashes ("exec-id"); the key in the result. */
  name: string;
  short?: string;
  kind: 'bool' | 'value' | 'list';
}

export interface Parsed {
  bools: Set<string>;
  values: Map<string, string>;
  lists: Map<string, string[]>;
  positionals: string[];
  /** Arguments after the last fixed positional of a verb that takes a command. */
  rest: string[];
}

export interface ParseOptions {
  /** After this many positionals everything else is `rest`, unparsed (run IMAGE ID CMD...). */
  fixedPositionals?: number;
}

export function parseArgs(argv: string[], flags: FlagSpec[], options: ParseOptions = {}): Parsed {
  const out: Parsed = { bools: new Set(), values: new Map(), lists: new Map(), positionals: [], rest: [] };
  const byLong = new Map(flags.map((f) => [f.name, f]));
  const byShort = new Map(flags.filter((f) => f.short).map((f) => [f.short as string, f]));
  const stopAt = options.fixedPositionals;
  let i = 0;
  const take = (flag: FlagSpec, inline: string | undefined, shown: string): void => {
    if (flag.kind === 'bool') {
      if (inline !== undefined) throw new UsageError(`flag ${shown} takes no value`);
      out.bools.add(flag.name);
      return;
    }
    let value = inline;
    if (value === undefined) {
      i++;
      value = argv[i];
      if (value === undefined) throw new UsageError(`flag ${shown} needs a value`);
    }
    if (flag.kind === 'value') out.values.set(flag.name, value);
    else out.lists.set(flag.name, [...(out.lists.get(flag.name) ?? []), value]);
  };
  for (; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (stopAt !== undefined && out.positionals.length >= stopAt) {
      out.rest = argv.slice(i);
      return out;
    }
    if (arg === '--') {
      const tail = argv.slice(i + 1);
      if (stopAt === undefined) out.positionals.push(...tail);
      else {
        const need = Math.max(0, stopAt - out.positionals.length);
        out.positionals.push(...tail.slice(0, need));
        out.rest = tail.slice(need);
      }
      return out;
    }
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      const name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      const flag = byLong.get(name);
      if (!flag) throw new UsageError(`unknown flag --${name}`);
      take(flag, eq >= 0 ? arg.slice(eq + 1) : undefined, `--${name}`);
    } else if (arg.startsWith('-') && arg.length > 1 && !/^-\d+$/.test(arg)) {
      // -dt: a cluster of booleans; -eK=V / -e K=V: a short flag with a value.
      for (let j = 1; j < arg.length; j++) {
        const ch = arg[j] as string;
        const flag = byShort.get(ch);
        if (!flag) throw new UsageError(`unknown flag -${ch}`);
        if (flag.kind === 'bool') {
          out.bools.add(flag.name);
          continue;
        }
        take(flag, j + 1 < arg.length ? arg.slice(j + 1) : undefined, `-${ch}`);
        break;
      }
    } else {
      out.positionals.push(arg);
    }
  }
  return out;
}

/** Exactly the named positionals, or a usage error naming what is missing or extra. */
export function positionals(p: Parsed, names: string[], optional: string[] = []): string[] {
  if (p.positionals.length < names.length) throw new UsageError(`missing ${names.slice(p.positionals.length).join(' ')}`);
  if (p.positionals.length > names.length + optional.length) throw new UsageError(`unexpected argument "${p.positionals[names.length + optional.length]}"`);
  return p.positionals;
}
