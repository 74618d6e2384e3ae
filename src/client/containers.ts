// /containers/...: create, inspect, the state verbs, logs, attach, archive.
import type { IncomingMessage } from 'node:http';
import type { Duplex, Readable } from 'node:stream';

import { encodeFilters } from './filters.ts';
import { jsonLines } from './json-lines.ts';
import type { Transport } from './transport.ts';
import type {
  ContainerInspect,
  ContainerStats,
  ContainerSummary,
  CreateContainerOptions,
  CreateResponse,
  Filters,
  PathStat,
  PruneResult,
  TopResponse,
  UpdateOptions,
  WaitResponse,
} from './types.ts';

const enc = encodeURIComponent;

export interface LogsOptions {
  follow?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  since?: string | number;
  until?: string | number;
  timestamps?: boolean;
  tail?: string | number;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  logs?: boolean;
  detachKeys?: string;
}

export interface Hijacked {
  stream: Duplex;
  /** application/vnd.docker.multiplexed-stream or ...raw-stream (API >= 1.42). */
  contentType: string;
}

export type WaitCondition = 'not-running' | 'next-exit' | 'removed';

export class Containers {
  constructor(private readonly t: Transport) {}

  list(opts: { all?: boolean; limit?: number; size?: boolean; filters?: Filters } = {}): Promise<ContainerSummary[]> {
    return this.t.json({ method: 'GET', path: '/containers/json', query: { all: opts.all || undefined, limit: opts.limit, size: opts.size || undefined, filters: encodeFilters(opts.filters) } });
  }

  create(body: CreateContainerOptions, opts: { name?: string; platform?: string } = {}): Promise<CreateResponse> {
    return this.t.json({ method: 'POST', path: '/containers/create', query: { name: opts.name, platform: opts.platform }, body });
  }

  inspect(id: string, opts: { size?: boolean } = {}): Promise<ContainerInspect> {
    return this.t.json({ method: 'GET', path: `/containers/${enc(id)}/json`, query: { size: opts.size || undefined } });
  }

  /** 204 started, 304 already running (both success). */
  start(id: string, opts: { detachKeys?: string } = {}): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/start`, query: { detachKeys: opts.detachKeys } });
  }

  stop(id: string, opts: { t?: number; signal?: string } = {}): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/stop`, query: { t: opts.t, signal: opts.signal } });
  }

  restart(id: string, opts: { t?: number; signal?: string } = {}): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/restart`, query: { t: opts.t, signal: opts.signal } });
  }

  kill(id: string, opts: { signal?: string } = {}): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/kill`, query: { signal: opts.signal } });
  }

  remove(id: string, opts: { force?: boolean; v?: boolean; link?: boolean } = {}): Promise<number> {
    return this.t.empty({ method: 'DELETE', path: `/containers/${enc(id)}`, query: { force: opts.force || undefined, v: opts.v || undefined, link: opts.link || undefined } });
  }

  /**
   * Wait in two steps, as docker's client does: `await wait(...)` returns once
   * the daemon sent the headers (so start can follow without a race), and
   * `.result` resolves when the container reaches the condition.
   */
  async wait(id: string, opts: { condition?: WaitCondition } = {}): Promise<{ result: Promise<WaitResponse> }> {
    const res = await this.t.request({ method: 'POST', path: `/containers/${enc(id)}/wait`, query: { condition: opts.condition }, stream: true });
    return { result: readJson<WaitResponse>(res) };
  }

  /** Logs as a stream: multiplexed frames without a TTY, raw bytes with one. */
  logs(id: string, opts: LogsOptions = {}): Promise<IncomingMessage> {
    const q = { stdout: opts.stdout ?? true, stderr: opts.stderr ?? true, follow: opts.follow || undefined, since: opts.since, until: opts.until, timestamps: opts.timestamps || undefined, tail: opts.tail };
    return this.t.request({ method: 'GET', path: `/containers/${enc(id)}/logs`, query: q, stream: true });
  }

  /** Hijacked attach: the container's stdio as one duplex. */
  attach(id: string, opts: AttachOptions = {}): Promise<Hijacked> {
    const q = { stream: true, stdin: opts.stdin || undefined, stdout: opts.stdout ?? true, stderr: opts.stderr ?? true, logs: opts.logs || undefined, detachKeys: opts.detachKeys };
    return this.t.hijack({ method: 'POST', path: `/containers/${enc(id)}/attach`, query: q, headers: { 'Content-Type': 'text/plain' } });
  }

  resize(id: string, h: number, w: number): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/resize`, query: { h, w } });
  }

  top(id: string, opts: { psArgs?: string } = {}): Promise<TopResponse> {
    return this.t.json({ method: 'GET', path: `/containers/${enc(id)}/top`, query: { ps_args: opts.psArgs } });
  }

  /** One sample (stream=0: the daemon samples twice so precpu is filled). */
  stats(id: string, opts: { oneShot?: boolean } = {}): Promise<ContainerStats> {
    return this.t.json({ method: 'GET', path: `/containers/${enc(id)}/stats`, query: { stream: false, 'one-shot': opts.oneShot || undefined } });
  }

  /** Samples about once a second until the caller stops iterating. */
  async *statsStream(id: string, signal?: AbortSignal): AsyncGenerator<ContainerStats> {
    const res = await this.t.request({ method: 'GET', path: `/containers/${enc(id)}/stats`, query: { stream: true }, stream: true });
    signal?.addEventListener('abort', () => res.destroy(), { once: true });
    try {
      yield* jsonLines<ContainerStats>(res);
    } finally {
      res.destroy();
    }
  }

  /** Stat a path in the container; undefined when it does not exist. */
  async statPath(id: string, path: string): Promise<PathStat | undefined> {
    try {
      const res = await this.t.request({ method: 'HEAD', path: `/containers/${enc(id)}/archive`, query: { path } });
      res.resume();
      return decodeStat(res);
    } catch (e) {
      if ((e as { status?: number }).status === 404) return undefined;
      throw e;
    }
  }

  /** A tar stream of path, plus its stat. */
  async getArchive(id: string, path: string): Promise<{ stream: Readable; stat: PathStat | undefined }> {
    const res = await this.t.request({ method: 'GET', path: `/containers/${enc(id)}/archive`, query: { path }, stream: true });
    return { stream: res, stat: decodeStat(res) };
  }

  /** Extract a tar stream into the directory path. */
  putArchive(id: string, path: string, tar: Readable | Buffer, opts: { noOverwriteDirNonDir?: boolean; copyUIDGID?: boolean } = {}): Promise<number> {
    const q = { path, noOverwriteDirNonDir: opts.noOverwriteDirNonDir ?? true, copyUIDGID: opts.copyUIDGID || undefined };
    return this.t.empty({ method: 'PUT', path: `/containers/${enc(id)}/archive`, query: q, body: tar, headers: { 'Content-Type': 'application/x-tar' }, stream: true });
  }

  rename(id: string, name: string): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/rename`, query: { name } });
  }

  pause(id: string): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/pause` });
  }

  unpause(id: string): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/containers/${enc(id)}/unpause` });
  }

  update(id: string, body: UpdateOptions): Promise<{ Warnings: string[] | null }> {
    return this.t.json({ method: 'POST', path: `/containers/${enc(id)}/update`, body });
  }

  prune(opts: { filters?: Filters } = {}): Promise<PruneResult> {
    return this.t.json({ method: 'POST', path: '/containers/prune', query: { filters: encodeFilters(opts.filters) } });
  }
}

async function readJson<T>(res: Readable): Promise<T> {
  const chunks: Buffer[] = [];
  for await (const c of res) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8')) as T;
}

function decodeStat(res: IncomingMessage): PathStat | undefined {
  const h = res.headers['x-docker-container-path-stat'];
  const v = Array.isArray(h) ? h[0] : h;
  if (!v) return undefined;
  try {
    return JSON.parse(Buffer.from(v, 'base64').toString('utf8')) as PathStat;
  } catch {
    return undefined;
  }
}
