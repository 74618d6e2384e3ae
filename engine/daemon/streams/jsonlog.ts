// Reading the json-file log strata-shim writes (native/shim/log.c), one record
// a line: {"log":"text\n","stream":"stdout","time":"2026-...123456789Z"}.
// Rotated files are FILE.1 (newest) ... FILE.N (oldest).  Following tails the
// live FILE; when the shim rotates it (FILE renamed to FILE.1, a new FILE
// started) the old descriptor is drained first, then the new file is read from
// its start, so no line is lost or repeated.
import { closeSync, existsSync, fstatSync, openSync, readSync, readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';

export interface LogRecord {
  stream: 'stdout' | 'stderr';
  log: Buffer;
  /** As written: RFC 3339 with nanoseconds, UTC. */
  time: string;
  /** Nanoseconds since the epoch (for since/until). */
  nanos: bigint;
}

export function parseRecord(line: string): LogRecord | undefined {
  if (line.trim() === '') return undefined;
  try {
    const o = JSON.parse(line) as { log?: unknown; stream?: unknown; time?: unknown };
    const time = typeof o.time === 'string' ? o.time : '';
    return { stream: o.stream === 'stderr' ? 'stderr' : 'stdout', log: Buffer.from(typeof o.log === 'string' ? o.log : '', 'utf8'), time, nanos: timeNanos(time) };
  } catch {
    return undefined; // a torn last line (the shim was killed mid-write)
  }
}

/** "2026-11-23T10:00:00.123456789Z" -> ns since the epoch (0 when unparsable). */
export function timeNanos(t: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)$/.exec(t);
  if (!m) return 0n;
  const secs = Date.parse(`${m[1]}${m[3]}`);
  if (Number.isNaN(secs)) return 0n;
  const frac = (m[2] ?? '').padEnd(9, '0').slice(0, 9);
  return BigInt(secs) * 1_000_000n + BigInt(frac);
}

/** Docker's fixed-width timestamp: 2006-01-02T15:04:05.000000000Z07:00 (UTC here: "Z"). */
export function fixedTime(r: LogRecord): string {
  const secs = r.nanos / 1_000_000_000n;
  const frac = (r.nanos % 1_000_000_000n).toString().padStart(9, '0');
  return `${new Date(Number(secs) * 1000).toISOString().slice(0, 19)}.${frac}Z`;
}

/** "1716000000.5" (unix seconds, fractional) -> ns; undefined when absent or 0. */
export function unixParamNanos(v: string | null): bigint | undefined {
  if (v === null || v === '' || v === '0') return undefined;
  const m = /^(\d+)(?:\.(\d{1,9}))?$/.exec(v);
  if (!m) return undefined;
  return BigInt(m[1] ?? '0') * 1_000_000_000n + BigInt((m[2] ?? '').padEnd(9, '0'));
}

/** The log's files oldest first: FILE.N ... FILE.1, FILE. */
export function logFiles(path: string): string[] {
  const rotated: string[] = [];
  for (let i = 1; i < 100; i++) {
    if (!existsSync(`${path}.${i}`)) break;
    rotated.push(`${path}.${i}`);
  }
  const files = rotated.reverse();
  if (existsSync(path)) files.push(path);
  return files;
}

/** Complete lines of a buffer; the unterminated rest is returned separately. */
function splitLines(buf: Buffer): { lines: string[]; rest: Buffer } {
  const last = buf.lastIndexOf(0x0a);
  if (last < 0) return { lines: [], rest: buf };
  return { lines: buf.subarray(0, last).toString('utf8').split('\n'), rest: buf.subarray(last + 1) };
}

export interface Snapshot {
  records: LogRecord[];
  /** Where the live file was read up to (a follower continues from here). */
  offset: number;
  /** The live file's inode at that point (0 when there was none). */
  ino: number;
}

/** Every record now on disk, oldest first, and the live file's position. */
export function readAll(path: string): Snapshot {
  const records: LogRecord[] = [];
  let offset = 0;
  let ino = 0;
  for (const f of logFiles(path)) {
    let buf: Buffer;
    try {
      buf = readFileSync(f);
    } catch {
      continue;
    }
    const { lines } = splitLines(buf);
    for (const l of lines) {
      const r = parseRecord(l);
      if (r) records.push(r);
    }
    if (f === path) {
      // A torn last line is left for the follower to complete.
      offset = buf.lastIndexOf(0x0a) + 1;
      try {
        ino = statSync(f).ino;
      } catch {
        ino = 0;
      }
    }
  }
  return { records, offset, ino };
}

export interface Follower {
  /** Ends the follow (the pending next() resolves with undefined after a final drain). */
  stop(): void;
  /** The next batch of records; undefined once stopped and drained. */
  next(): Promise<LogRecord[] | undefined>;
}

/**
 * Follow FILE from (offset, ino): new records as they are appended, across
 * rotations.  fs.watch on the directory wakes it; a 250 ms poll backs the
 * watch up (overlay and some file systems miss events).
 */
export function follow(path: string, offset: number, ino: number): Follower {
  let fd = -1;
  let pos = offset;
  let curIno = ino;
  let rest = Buffer.alloc(0);
  let stopped = false;
  let wake: (() => void) | undefined;
  let watcher: FSWatcher | undefined;
  const poke = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const timer = setInterval(poke, 250);
  try {
    watcher = watch(dirname(path), (_ev, name) => {
      if (!name || String(name).startsWith(basename(path))) poke();
    });
    watcher.on('error', () => undefined);
  } catch {
    watcher = undefined;
  }

  const openLive = (): boolean => {
    if (fd >= 0) return true;
    try {
      fd = openSync(path, 'r');
    } catch {
      return false;
    }
    const st = fstatSync(fd);
    if (curIno !== 0 && st.ino !== curIno) pos = 0; // rotated (or recreated) since the snapshot
    if (st.size < pos) pos = 0; // truncated (max-file 1)
    curIno = st.ino;
    return true;
  };

  const drainFd = (): Buffer[] => {
    const out: Buffer[] = [];
    const chunk = Buffer.alloc(64 * 1024);
    for (;;) {
      const n = readSync(fd, chunk, 0, chunk.length, pos);
      if (n <= 0) break;
      pos += n;
      out.push(Buffer.from(chunk.subarray(0, n)));
    }
    return out;
  };

  const readNew = (): LogRecord[] => {
    const bufs: Buffer[] = [];
    if (!openLive()) return [];
    bufs.push(...drainFd());
    // Rotated or truncated under us: finish the old file, continue with the new one.
    let st: { ino: number; size: number } | undefined;
    try {
      st = statSync(path);
    } catch {
      st = undefined;
    }
    if (st && (st.ino !== curIno || st.size < pos)) {
      closeSync(fd);
      fd = -1;
      pos = 0;
      curIno = st.ino;
      if (openLive()) bufs.push(...drainFd());
    }
    const { lines, rest: r } = splitLines(Buffer.concat([rest, ...bufs]));
    rest = Buffer.from(r);
    const out: LogRecord[] = [];
    for (const l of lines) {
      const rec = parseRecord(l);
      if (rec) out.push(rec);
    }
    return out;
  };

  const close = () => {
    clearInterval(timer);
    watcher?.close();
    if (fd >= 0) closeSync(fd);
    fd = -1;
  };

  return {
    stop() {
      stopped = true;
      poke();
    },
    async next() {
      for (;;) {
        if (fd === -2) return undefined;
        const wasStopped = stopped;
        const recs = readNew();
        if (recs.length > 0) return recs;
        if (wasStopped) {
          close();
          fd = -2;
          return undefined;
        }
        await new Promise<void>((r) => (wake = r));
      }
    },
  };
}
