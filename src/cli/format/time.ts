// Time arguments as docker takes them (--since/--until for events and
// logs): unix seconds (fractional allowed), RFC 3339 dates, or a duration
// back from now ("10m", "1h30m", "500ms").
const UNITS: Record<string, number> = { ns: 1e-6, us: 1e-3, µs: 1e-3, ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export function parseTimeArg(s: string, now = Date.now()): string {
  if (/^\d+(\.\d+)?$/.test(s)) return s;
  const dur = /^((\d+(\.\d+)?)(ns|us|µs|ms|s|m|h))+$/.test(s);
  if (dur) {
    let ms = 0;
    for (const m of s.matchAll(/(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g)) ms += Number(m[1]) * (UNITS[m[2] as string] as number);
    return ((now - ms) / 1000).toFixed(9).replace(/\.?0+$/, '');
  }
  const t = Date.parse(s);
  if (Number.isNaN(t)) throw new Error(`invalid time "${s}": expected unix seconds, an RFC 3339 date or a duration like 10m`);
  return (t / 1000).toFixed(3).replace(/\.?0+$/, '');
}
