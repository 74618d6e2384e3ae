// stratad's own endpoints for the workbench (engine/daemon/STRATA-API.md)
// against a real isolated engine: a `strata run` traced through every layer
// (client, stratad, strata-lifecycled, strata-shim, strata-runtime), the
// shims, the cgroup stats, and lifecycled's event stream across a restart.
import { request } from 'node:http';
import { join } from 'node:path';

import { describe, expect, it } from 'vitest';

import { runCommand, tagOf, withTimeout } from '../helpers/run.ts';
import { stratadSuite, type Stratad } from '../helpers/stratad.ts';

const repo = join(import.meta.dirname, '..', '..');
const STRATA = join(repo, 'bin', 'strata');

interface Span {
  spanId: string;
  parentId: string | null;
  layer: string;
  name: string;
  start: number;
  durationMs: number;
  attrs?: Record<string, unknown>;
}

interface Trace {
  id: string;
  name: string;
  start: number;
  spans: Span[];
}

interface RequestRecord {
  method: string;
  path: string;
  status: number;
  traceId: string | null;
}

let s: Stratad;
stratadSuite((d) => (s = d));

async function getJson<T>(path: string, headers?: Record<string, string>): Promise<T> {
  const r = await s.http('GET', path, undefined, headers);
  if (r.status !== 200) throw new Error(`GET ${path}: ${r.status} ${r.body}`);
  return JSON.parse(r.body) as T;
}

/** Follow an NDJSON stream until `done` says so (or the timeout); the lines seen. */
/** onOpen gets `recheck`: call it when done() may hold without new data (state the test set). */
function follow<T>(path: string, done: (seen: T[]) => boolean, ms: number, onOpen?: (recheck: () => void) => void): Promise<T[]> {
  return new Promise((resolve, reject) => {
    const seen: T[] = [];
    let rest = '';
    let finished = false;
    const check = () => {
      if (finished || !done(seen)) return;
      finished = true;
      clearTimeout(timer);
      req.destroy();
      resolve(seen);
    };
    const req = request({ socketPath: s.socket, path, method: 'GET', host: 'localhost' }, (res) => {
      if (res.statusCode !== 200) return reject(new Error(`GET ${path}: ${res.statusCode}`));
      expect(res.headers['content-type']).toBe('application/x-ndjson');
      onOpen?.(check);
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        rest += chunk;
        const lines = rest.split('\n');
        rest = lines.pop() ?? '';
        for (const l of lines) if (l) seen.push(JSON.parse(l) as T);
        check();
      });
    });
    const timer = setTimeout(() => {
      req.destroy();
      reject(new Error(`GET ${path}: not done after ${ms} ms; saw ${JSON.stringify(seen).slice(-2000)}`));
    }, ms);
    req.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    req.end();
  });
}

/** The chain of layers from a span up to its root. */
function ancestry(t: Trace, span: Span): Span[] {
  const byId = new Map(t.spans.map((x) => [x.spanId, x]));
  const out = [span];
  for (let p = span.parentId; p; p = byId.get(p)?.parentId ?? null) {
    const parent = byId.get(p);
    if (!parent) throw new Error(`span ${span.name}: parent ${p} is not in the trace`);
    out.push(parent);
  }
  return out;
}

describe('traces', () => {
  it('follows one strata run through every layer under one trace id', async () => {
    const name = tagOf('trace', s.engine.dir);
    const before = Date.now();
    const run = await runCommand(STRATA, ['run', '--rm', '--name', name, 'busybox', 'true'], { env: { ...process.env, STRATA_HOST: s.host }, timeoutMs: 60_000 });
    const after = Date.now();
    expect(run.code, run.stderr).toBe(0);

    // The run's calls all carry the CLI's trace id, recorded in the request log.
    const log = await getJson<RequestRecord[]>('/strata/requests');
    const create = log.filter((r) => r.method === 'POST' && r.path.includes('/containers/create') && r.path.includes(name)).at(-1);
    expect(create?.traceId).toMatch(/^[0-9a-f]{32}$/);
    const id = create?.traceId ?? '';
    const calls = log.filter((r) => r.traceId === id).map((r) => r.path.replace(/^\/v[\d.]+/, '').replace(/\/containers\/[0-9a-f]{64}/, '/containers/X'));
    for (const call of [/^\/containers\/create/, /^\/containers\/X\/attach/, /^\/containers\/X\/wait/, /^\/containers\/X\/start$/]) {
      expect(calls.some((c) => call.test(c)), `${call} in ${calls.join(' ')}`).toBe(true);
    }

    const t = await getJson<Trace>(`/strata/traces/${id}`);
    expect(t.id).toBe(id);
    expect(t.name).toBe('run');
    const layers = new Set(t.spans.map((x) => x.layer));
    for (const l of ['client', 'stratad', 'strata-lifecycled', 'strata-shim', 'strata-runtime']) expect(layers, `layer ${l} in ${JSON.stringify([...layers])}`).toContain(l);

    const named = (layer: string, n: string) => {
      const found = t.spans.find((x) => x.layer === layer && x.name === n);
      if (!found) throw new Error(`no ${layer} span "${n}" in ${t.spans.map((x) => `${x.layer}:${x.name}`).join(', ')}`);
      return found;
    };
    const runtimeNames = t.spans.filter((x) => x.layer === 'strata-runtime').map((x) => x.name);
    expect(runtimeNames).toEqual(expect.arrayContaining(['create', 'cgroup', 'namespaces (clone)', 'mounts', 'pivot_root', 'capabilities/seccomp', 'exec', 'start']));
    for (const n of ['Containers.Create', 'Tasks.Create', 'shim spawn', 'Tasks.Start', 'shim start']) named('strata-lifecycled', n);
    for (const n of ['shim start-up', 'runtime create', 'start', 'runtime start']) named('strata-shim', n);

    // Every span's parent is in the trace, and the only root is the client's "run".
    const ids = new Set(t.spans.map((x) => x.spanId));
    expect(t.spans.filter((x) => x.parentId === null).map((x) => `${x.layer}:${x.name}`)).toEqual(['client:run']);
    for (const x of t.spans) if (x.parentId) expect(ids.has(x.parentId), `${x.layer}:${x.name}'s parent`).toBe(true);

    // pivot_root hangs, layer by layer, under the client's run.
    const chain = ancestry(t, named('strata-runtime', 'pivot_root')).map((x) => x.layer);
    expect([...new Set(chain)]).toEqual(['strata-runtime', 'strata-shim', 'strata-lifecycled', 'stratad', 'client']);
    // exec happens once runtime start released the init (a child of the create, later in time).
    const exec = named('strata-runtime', 'exec');
    expect(exec.start).toBeGreaterThanOrEqual(named('strata-shim', 'runtime start').start - 1);

    // Timing: everything inside the command's window, children inside their parents.
    for (const x of t.spans) {
      expect(x.start, `${x.layer}:${x.name} start`).toBeGreaterThanOrEqual(before - 5);
      expect(x.start + x.durationMs, `${x.layer}:${x.name} end`).toBeLessThanOrEqual(after + 5);
      expect(x.durationMs).toBeGreaterThanOrEqual(0);
    }
    const within = (child: Span, parent: Span) => {
      expect(child.start, `${child.name} starts within ${parent.name}`).toBeGreaterThanOrEqual(parent.start - 2);
      expect(child.start + child.durationMs, `${child.name} ends within ${parent.name}`).toBeLessThanOrEqual(parent.start + parent.durationMs + 2);
    };
    within(named('strata-runtime', 'pivot_root'), named('strata-shim', 'runtime create'));
    within(named('strata-shim', 'runtime create'), named('strata-lifecycled', 'shim spawn'));
    within(named('strata-lifecycled', 'shim spawn'), named('strata-lifecycled', 'Tasks.Create'));
    within(named('strata-runtime', 'mounts'), named('strata-runtime', 'create'));

    // The list has it, newest first.
    const list = await getJson<Trace[]>('/strata/traces?limit=5');
    expect(list.map((x) => x.id)).toContain(id);
  }, 90_000);

  it('takes the X-Strata-Trace header, or makes an id, and answers with it', async () => {
    const mine = 'abcdef0123456789abcdef0123456789';
    const r = await s.http('GET', '/containers/json', undefined, { 'X-Strata-Trace': mine });
    expect(r.status).toBe(200);
    expect(r.headers['x-strata-trace']).toBe(mine);
    const made = await s.http('GET', '/containers/json', undefined, { 'X-Strata-Trace': 'not-hex' });
    expect(made.headers['x-strata-trace']).toMatch(/^[0-9a-f]{32}$/);
    expect(made.headers['x-strata-trace']).not.toBe(mine);
    const t = await getJson<Trace>(`/strata/traces/${mine}`);
    expect(t.spans.some((x) => x.layer === 'stratad' && x.name === 'GET /containers/json')).toBe(true);

    // Client spans are checked before any is kept.
    const bad = await s.http('POST', `/strata/traces/${mine}/spans`, JSON.stringify([{ spanId: 'a1', name: 'ok', start: Date.now(), durationMs: 1 }, { spanId: 'a2', name: 'x', start: 'soon', durationMs: 1 }]), { 'Content-Type': 'application/json' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body).message).toMatch(/span 1: start/);
    expect((await getJson<Trace>(`/strata/traces/${mine}`)).spans.some((x) => x.spanId === 'a1')).toBe(false);
    expect((await s.http('GET', '/strata/traces/0000000000000000')).status).toBe(404);
    expect((await s.http('GET', '/strata/traces/xyz')).status).toBe(400);
  });
});

describe('shims and stats', () => {
  it('lists the running container\'s shim from /proc, not a child of stratad', async () => {
    const id = await s.dockerOk(['run', '-d', '--name', tagOf('shim', s.engine.dir), 'busybox', 'sleep', '300']);
    const initPid = Number(await s.dockerOk(['inspect', '-f', '{{.State.Pid}}', id]));
    const shims = await getJson<Array<Record<string, unknown>>>('/strata/shims');
    const mine = shims.find((x) => x.containerId === id);
    expect(mine, JSON.stringify(shims)).toBeDefined();
    expect(mine?.initPid).toBe(initPid);
    expect(mine?.daemonPid).toBe(s.pid);
    expect(mine?.shimPpid).not.toBe(s.pid);
    expect(mine?.shimPpid).not.toBe(s.engine.pid);
    expect(Number(mine?.shimPid)).toBeGreaterThan(0);
    expect(Number(mine?.rssBytes)).toBeGreaterThan(0);
    expect(Math.abs(Date.parse(String(mine?.startedAt)) - Date.now())).toBeLessThan(120_000);

    // Stats: one sample now, then samples each second from the one poller.
    const once = await getJson<Array<Record<string, unknown>>>('/strata/stats');
    const sample = once.find((x) => x.containerId === id);
    expect(sample, JSON.stringify(once)).toBeDefined();
    expect(Number(sample?.memoryBytes)).toBeGreaterThan(0);
    expect(Number(sample?.pids)).toBeGreaterThanOrEqual(1);
    const seen = await follow<Record<string, unknown>>('/strata/stats?follow=1', (xs) => xs.filter((x) => x.containerId === id).length >= 2, 10_000);
    const mineSeen = seen.filter((x) => x.containerId === id);
    expect(Date.parse(String(mineSeen[1]?.time)) - Date.parse(String(mineSeen[0]?.time))).toBeGreaterThanOrEqual(500);
    expect(mineSeen[1]?.name).toBe(tagOf('shim', s.engine.dir));

    // A docker exec (no header: stratad makes the trace) reaches the runtime's exec verb too.
    await s.dockerOk(['exec', id, 'true']);
    const log = await getJson<RequestRecord[]>('/strata/requests');
    const start = log.filter((r) => /\/exec\/[0-9a-f]+\/start$/.test(r.path)).at(-1);
    expect(start?.traceId).toMatch(/^[0-9a-f]{32}$/);
    const t = await getJson<Trace>(`/strata/traces/${start?.traceId}`);
    const names = t.spans.map((x) => `${x.layer}:${x.name}`);
    expect(names).toEqual(expect.arrayContaining(['strata-lifecycled:shim start exec', 'strata-shim:runtime exec', 'strata-runtime:exec', 'strata-runtime:capabilities/seccomp']));
    await s.dockerOk(['rm', '-f', id]);
  }, 60_000);
});

describe('lifecycle events', () => {
  it('forwards /tasks/start and /tasks/exit, and marks a lifecycled restart', async () => {
    interface Ev { topic: string; payload?: { container_id?: string }; error?: string }
    let id = '';
    let restart: Promise<void> | undefined;
    const seen = await follow<Ev>('/strata/lifecycle/events?follow=1', (xs) => {
      const mine = xs.filter((e) => id && e.payload?.container_id && id.startsWith(e.payload.container_id));
      if (!id || !mine.some((e) => e.topic === '/tasks/exit')) return false;
      // Seen the container's exit: now take lifecycled away and bring it back.
      restart ??= s.engine.restart();
      const down = xs.findIndex((e) => e.topic === '/strata/lifecycle-disconnected');
      return down >= 0 && xs.slice(down).some((e) => e.topic === '/strata/lifecycle-connected');
    }, 60_000, (recheck) => {
      // The container may exit before the CLI prints its id: look again once it has.
      void s.dockerOk(['run', '-d', 'busybox', 'true']).then((out) => {
        id = out;
        recheck();
      });
    });
    const mine = seen.filter((e) => e.payload?.container_id && id.startsWith(e.payload.container_id)).map((e) => e.topic);
    expect(mine.indexOf('/tasks/start')).toBeGreaterThanOrEqual(0);
    expect(mine.indexOf('/tasks/exit')).toBeGreaterThan(mine.indexOf('/tasks/start'));
    const down = seen.find((e) => e.topic === '/strata/lifecycle-disconnected');
    expect(down?.error).toBeTruthy();
    await withTimeout(restart ?? Promise.resolve(), 30_000, 'lifecycled restart');
    expect(s.engine.running()).toBe(true);
    // stratad works again through the restarted lifecycled.
    await withTimeout(s.dockerOk(['rm', '-f', id]), 30_000, 'docker rm after the restart');
  }, 90_000);
});
