// Container streams: attach (hijacked), resize, logs, stats, top and the
// archive endpoints behind `docker cp`.  Wire details: ENGINE-API.md 3.1-3.8.
import type { Duplex } from 'node:stream';

import type { ProcessInfo } from '../../lifecycle/api-types.ts';
import { conflict, invalidArgument, isEngineError } from '../../errors.ts';
import type { ContainerRecord } from '../containers/types.ts';
import type { Route, RouteContext } from '../http-types.ts';
import { commonHeaders } from '../server.ts';
import { extractInto, locate, statHeader, tarOf } from '../streams/archive.ts';
import { backend, lifecycleLayout, taskIdOf } from '../streams/backend.ts';
import { STDERR, STDOUT, frame, streamContentType } from '../streams/frames.ts';
import { fixedTime, follow, readAll, unixParamNanos, type LogRecord } from '../streams/jsonlog.ts';
import { pump } from '../streams/pump.ts';
import { withRoot } from '../streams/rootfs.ts';
import { hostCpu, statsJson, type Sample } from '../streams/stats.ts';
import { runPs } from '../streams/top.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Docker's boolean query values: 1/true/True. */
export function flag(q: URLSearchParams, name: string, dflt = false): boolean {
  const v = q.get(name);
  if (v === null || v === '') return dflt;
  return v === '1' || v.toLowerCase() === 'true';
}

function positiveInt(q: URLSearchParams, name: string): number {
  const v = q.get(name);
  const n = Number(v);
  if (v === null || !Number.isInteger(n) || n <= 0 || n > 10_000) throw invalidArgument('stratad', `${name}: want a positive integer, got ${JSON.stringify(v)}`);
  return n;
}

/** The task of a container, or undefined when it has none. */
async function taskOf(c: ContainerRecord): Promise<ProcessInfo | undefined> {
  try {
    return await backend().lifecycle().tasks.get({ container_id: taskIdOf(c) });
  } catch (e) {
    if (isEngineError(e, 'NotFound')) return undefined;
    throw e;
  }
}

function notRunning(c: ContainerRecord): Error {
  return conflict('stratad', `Container ${c.id} is not running`);
}

// ---- attach

/** Write the stored log (logs=1) on a hijacked connection before the live stream. */
function replayLog(conn: Duplex, c: ContainerRecord, out: boolean, err: boolean): void {
  const { records } = readAll(lifecycleLayout().logPath(taskIdOf(c)));
  for (const r of records) {
    if ((r.stream === 'stdout' && !out) || (r.stream === 'stderr' && !err)) continue;
    conn.write(c.config.Tty ? r.log : frame(r.stream === 'stderr' ? STDERR : STDOUT, r.log));
  }
}

async function attach(ctx: RouteContext): Promise<void> {
  const b = backend();
  const c = b.resolve(ctx.params.id ?? '');
  const q = ctx.query;
  const tty = c.config.Tty === true;
  const stdin = flag(q, 'stdin') && c.config.OpenStdin === true;
  const stdout = flag(q, 'stdout');
  const stderr = flag(q, 'stderr');
  const conn = await ctx.hijack(streamContentType(tty, ctx.apiVersion));
  conn.pause(); // stdin sent before the task exists waits in the socket (pump resumes it)
  if (flag(q, 'logs')) replayLog(conn, c, stdout, stderr);
  if (!flag(q, 'stream')) {
    conn.end();
    return;
  }
  const lc = b.lifecycle();
  const id = taskIdOf(c);
  let connected = false;
  const connect = async (): Promise<void> => {
    if (connected) return;
    connected = true;
    const session = await lc.tasks.attach({ container_id: id, stdin, stdout, stderr });
    // The pump runs on its own: the start hook only waits for the session to be open.
    void pump(conn, session, session.output, { tty, stdin: stdin ? session : undefined, closeStdinOnEof: c.config.StdinOnce === true });
  };
  const t = await taskOf(c);
  if (t && (t.status === 'created' || t.status === 'running' || t.status === 'paused')) {
    await connect();
    return;
  }
  // Not started yet (docker run attaches before start): connect between the
  // task's create and its start; the poll below covers a start that raced us.
  const unregister = b.beforeStart(c.id, connect);
  let gone = false;
  conn.once('close', () => {
    gone = true;
    unregister();
  });
  const staleExit = t?.exited_at ?? '';
  while (!connected && !gone) {
    await sleep(50);
    const now = await taskOf(c).catch(() => undefined);
    if (now && (now.status === 'created' || now.status === 'running' || now.status === 'paused') && !connected) {
      unregister();
      await connect().catch(() => conn.end());
    } else if (now && now.status === 'stopped' && now.exited_at !== staleExit && !connected) {
      // It ran and ended between two polls: nothing live is left to attach to.
      unregister();
      conn.end();
      return;
    }
  }
}

async function resize(ctx: RouteContext): Promise<void> {
  const c = backend().resolve(ctx.params.id ?? '');
  const height = positiveInt(ctx.query, 'h');
  const width = positiveInt(ctx.query, 'w');
  const t = await taskOf(c);
  if (!t || t.status === 'stopped') throw notRunning(c);
  await backend().lifecycle().tasks.resize({ container_id: taskIdOf(c), width, height });
  ctx.empty(200);
}

// ---- logs

async function logs(ctx: RouteContext): Promise<void> {
  const b = backend();
  const c = b.resolve(ctx.params.id ?? '');
  const q = ctx.query;
  const out = flag(q, 'stdout');
  const err = flag(q, 'stderr');
  if (!out && !err) throw invalidArgument('stratad', 'Bad parameters: you must choose at least one stream');
  const timestamps = flag(q, 'timestamps');
  const since = unixParamNanos(q.get('since'));
  const until = unixParamNanos(q.get('until'));
  const tailRaw = q.get('tail') ?? 'all';
  const tail = tailRaw === 'all' || tailRaw === '' ? -1 : Number(tailRaw);
  if (!Number.isInteger(tail) || tail < -1) throw invalidArgument('stratad', `tail: want a number or "all", got ${JSON.stringify(tailRaw)}`);
  const tty = c.config.Tty === true;
  const path = lifecycleLayout().logPath(taskIdOf(c));

  const keep = (r: LogRecord) =>
    ((r.stream === 'stdout' && out) || (r.stream === 'stderr' && err)) && (since === undefined || r.nanos >= since) && (until === undefined || r.nanos <= until);
  const encode = (r: LogRecord): Buffer => {
    const payload = timestamps ? Buffer.concat([Buffer.from(`${fixedTime(r)} `), r.log]) : r.log;
    return tty ? payload : frame(r.stream === 'stderr' ? STDERR : STDOUT, payload);
  };

  const { res } = ctx;
  res.writeHead(200, { ...commonHeaders(), 'Content-Type': streamContentType(tty, ctx.apiVersion) });
  res.flushHeaders();
  const snap = readAll(path);
  let first = snap.records.filter(keep);
  if (tail >= 0) first = tail === 0 ? [] : first.slice(-tail);
  for (const r of first) res.write(encode(r));

  const t = await taskOf(c);
  const following = flag(q, 'follow') && t !== undefined && t.status !== 'stopped' && (until === undefined || until > BigInt(Date.now()) * 1_000_000n);
  if (!following) {
    res.end();
    return;
  }
  const f = follow(path, snap.offset, snap.ino);
  let closed = false;
  res.once('close', () => {
    closed = true;
    f.stop();
  });
  void waitStopped(c).then(() => f.stop());
  for (;;) {
    const batch = await f.next();
    if (!batch || closed) break;
    for (const r of batch) {
      if (until !== undefined && r.nanos > until) {
        f.stop();
        break;
      }
      if (keep(r) && !res.write(encode(r))) await new Promise((r2) => res.once('drain', r2));
    }
  }
  if (!closed) res.end();
}

/** Resolves once the container's current task has exited (or is gone); survives a lifecycled restart. */
async function waitStopped(c: ContainerRecord): Promise<void> {
  const lc = backend().lifecycle();
  for (;;) {
    try {
      await lc.tasks.wait({ container_id: taskIdOf(c) });
      return;
    } catch (e) {
      if (isEngineError(e, 'NotFound')) return;
      await sleep(1000);
      const t = await taskOf(c).catch(() => 'unknown' as const);
      if (t === undefined || (t !== 'unknown' && t.status === 'stopped')) return;
    }
  }
}

// ---- stats

async function sample(c: ContainerRecord): Promise<Sample | undefined> {
  try {
    const metrics = await backend().lifecycle().tasks.metrics({ container_id: taskIdOf(c) });
    return { read: new Date().toISOString(), metrics, cpu: hostCpu() };
  } catch (e) {
    if (isEngineError(e, 'NotFound') || isEngineError(e, 'FailedPrecondition')) return undefined;
    throw e;
  }
}

async function stats(ctx: RouteContext): Promise<void> {
  const c = backend().resolve(ctx.params.id ?? '');
  const stream = flag(ctx.query, 'stream', true);
  const oneShot = flag(ctx.query, 'one-shot');
  const { res } = ctx;
  if (!stream) {
    let pre = oneShot ? undefined : await sample(c);
    // moby samples twice so precpu_stats is filled (the CLI's CPU % needs both).
    if (pre) await sleep(1000);
    const cur = await sample(c);
    if (!cur) pre = undefined;
    ctx.json(200, statsJson(c.id, c.name, cur, pre));
    return;
  }
  res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/json' });
  res.flushHeaders();
  let closed = false;
  res.once('close', () => (closed = true));
  let pre: Sample | undefined;
  while (!closed) {
    const cur = await sample(c).catch(() => undefined);
    res.write(`${JSON.stringify(statsJson(c.id, c.name, cur, pre))}\n`);
    pre = cur;
    await sleep(1000);
  }
}

// ---- top

async function top(ctx: RouteContext): Promise<void> {
  const c = backend().resolve(ctx.params.id ?? '');
  const t = await taskOf(c);
  if (!t || (t.status !== 'running' && t.status !== 'paused')) throw notRunning(c);
  const pids = await backend().lifecycle().tasks.pids({ container_id: taskIdOf(c) });
  ctx.json(200, await runPs(ctx.query.get('ps_args') ?? '-ef', pids));
}

// ---- archive (docker cp)

function archivePath(ctx: RouteContext): string {
  const p = ctx.query.get('path');
  if (!p) throw invalidArgument('stratad', 'path is required');
  return p;
}

async function archiveHead(ctx: RouteContext): Promise<void> {
  const c = backend().resolve(ctx.params.id ?? '');
  const p = archivePath(ctx);
  const loc = await withRoot(backend().lifecycle(), taskIdOf(c), async (root) => locate(root, p, c.name));
  ctx.res.writeHead(200, { ...commonHeaders(), 'X-Docker-Container-Path-Stat': statHeader(loc.stat), 'Content-Length': '0' });
  ctx.res.end();
}

async function archiveGet(ctx: RouteContext): Promise<void> {
  const c = backend().resolve(ctx.params.id ?? '');
  const p = archivePath(ctx);
  await withRoot(backend().lifecycle(), taskIdOf(c), async (root) => {
    const loc = locate(root, p, c.name);
    const { res } = ctx;
    res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/x-tar', 'X-Docker-Container-Path-Stat': statHeader(loc.stat) });
    const tar = tarOf(loc);
    await new Promise<void>((resolve) => {
      tar.on('error', () => {
        res.destroy();
        resolve();
      });
      res.on('close', resolve);
      tar.pipe(res);
    });
  });
}

async function archivePut(ctx: RouteContext): Promise<void> {
  const c = backend().resolve(ctx.params.id ?? '');
  const p = archivePath(ctx);
  if (c.hostConfig.ReadonlyRootfs) throw invalidArgument('stratad', 'container rootfs is marked read-only');
  await withRoot(backend().lifecycle(), taskIdOf(c), async (root) => {
    const loc = locate(root, p.endsWith('/') ? p : `${p}/`, c.name);
    if (!loc.st.isDirectory()) throw invalidArgument('stratad', `extraction point is not a directory: ${p}`);
    await extractInto(root, loc.path, ctx.rawBody(), {
      noOverwriteDirNonDir: flag(ctx.query, 'noOverwriteDirNonDir'),
      copyUIDGID: flag(ctx.query, 'copyUIDGID'),
    });
  });
  ctx.empty(200);
}

export const routes: Route[] = [
  { method: 'POST', path: '/containers/:id/attach', handler: attach },
  { method: 'POST', path: '/containers/:id/resize', handler: resize },
  { method: 'GET', path: '/containers/:id/logs', handler: logs },
  { method: 'GET', path: '/containers/:id/stats', handler: stats },
  { method: 'GET', path: '/containers/:id/top', handler: top },
  { method: 'HEAD', path: '/containers/:id/archive', handler: archiveHead },
  { method: 'GET', path: '/containers/:id/archive', handler: archiveGet },
  { method: 'PUT', path: '/containers/:id/archive', handler: archivePut },
];
