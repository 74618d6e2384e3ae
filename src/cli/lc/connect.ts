// The connection to strata-lifecycled: probe its socket first (so "not
// running" gets its own message instead of a gRPC timeout), then adapt the
// engine's typed client (engine/lifecycle/client.ts) to what the verbs use.
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';

import { EngineError, fromGrpcStatus } from '../../../engine/errors.ts';
import type { LifecycleApi } from '../../../engine/lifecycle/api-types.ts';
import { connect as connectClient } from '../../../engine/lifecycle/client.ts';
import type { Attachment, ExecSpec, ImageInfo, LcApi, LcEvent, Subscription } from './api.ts';

export const socketPath = (execRoot: string) => join(execRoot, 'lifecycled.sock');

/** The daemon's socket does not answer: nothing listens, or it is not there. */
export class Unreachable extends Error {}

function probe(path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const s = netConnect(path);
    s.once('connect', () => {
      s.destroy();
      resolve();
    });
    s.once('error', (e) => reject(new Unreachable(e.message)));
  });
}

export function describeError(e: unknown, execRoot: string): string {
  if (e instanceof Unreachable) return `cannot connect to strata-lifecycled at unix://${socketPath(execRoot)}: is it running?`;
  if (e instanceof EngineError) return `${e.layer}: ${e.message}`;
  if (isGrpcError(e)) {
    if (e.code === 14) return `lost the connection to strata-lifecycled at unix://${socketPath(execRoot)}: ${e.details}`;
    const err = fromGrpcStatus(e.code, e.details);
    return `${err.layer}: ${err.message}`;
  }
  return e instanceof Error ? e.message : String(e);
}

function isGrpcError(e: unknown): e is { code: number; details: string } {
  return typeof e === 'object' && e !== null && typeof (e as { code?: unknown }).code === 'number' && typeof (e as { details?: unknown }).details === 'string';
}

export async function connectLc(execRoot: string): Promise<LcApi> {
  const path = socketPath(execRoot);
  await probe(path);
  return adapt(connectClient(path));
}

const imageInfo = (i: { name: string; target: { digest: string; size: number }; created_at: string; labels: Record<string, string> }): ImageInfo => ({
  name: i.name,
  digest: i.target.digest,
  // The target is the manifest; the image side may record the unpacked size as a label.
  size: Number(i.labels['strata.size'] ?? i.target.size),
  createdAt: i.created_at,
});

interface OciProcess {
  args?: string[];
  env?: string[];
  cwd?: string;
  user?: unknown;
  terminal?: boolean;
  [key: string]: unknown;
}

/** An exec's process: the container's own (user, cwd, env, capabilities) with our args, env and terminal. */
function execProcess(containerSpec: string, spec: ExecSpec): OciProcess {
  const base = (JSON.parse(containerSpec) as { process?: OciProcess }).process ?? {};
  const env = [...(base.env ?? [])];
  for (const kv of spec.env) {
    const key = kv.slice(0, kv.indexOf('=') + 1);
    const at = env.findIndex((e) => e.startsWith(key));
    if (at >= 0) env[at] = kv;
    else env.push(kv);
  }
  const proc: OciProcess = { ...base, args: spec.args, env, cwd: base.cwd ?? '/', terminal: spec.terminal };
  // The pty's first size (runc honours consoleSize): a later resize would race the process's first look.
  const { columns, rows } = process.stdout;
  if (spec.terminal && columns && rows) proc.consoleSize = { width: columns, height: rows };
  else delete proc.consoleSize;
  return proc;
}

export function adapt(c: LifecycleApi & { close(): void }): LcApi {
  return {
    version: () => c.version(),
    importImage: async (tarball, name) => imageInfo(await c.images.import(tarball, name)),
    loadImages: async (tarball) => (await c.images.load(tarball)).map(imageInfo),
    listImages: async () => (await c.images.list()).map(imageInfo),
    removeImage: (name) => c.images.remove(name),
    createContainer: async (s) => {
      await c.containers.create({ id: s.id, image: s.image, args: s.args, env: s.env, tty: s.terminal });
    },
    createTask: async (s) => {
      const { columns, rows } = process.stdout;
      const size = s.terminal && columns && rows ? { console_width: columns, console_height: rows } : {};
      return { pid: (await c.tasks.create({ container_id: s.id, terminal: s.terminal, stdin: s.stdin, ...size })).pid };
    },
    startTask: (id, execId) => c.tasks.start({ container_id: id, exec_id: execId }),
    attach: async (id, opts) => {
      const out = opts.stdout !== false;
      return attachment(await c.tasks.attach({ container_id: id, exec_id: opts.execId, stdin: opts.stdin, stdout: out, stderr: out }));
    },
    wait: async (id, execId) => {
      const r = await c.tasks.wait({ container_id: id, exec_id: execId });
      return { exitStatus: r.exit_status, exitedAt: r.exited_at };
    },
    resize: (id, width, height, execId) => c.tasks.resize({ container_id: id, exec_id: execId, width, height }),
    kill: (id, signal, opts = {}) => c.tasks.kill({ container_id: id, exec_id: opts.execId, signal, all: opts.all }),
    deleteTask: async (id) => {
      const r = await c.tasks.delete({ container_id: id });
      return { exitStatus: r.exit_status, exitedAt: r.exited_at };
    },
    deleteContainer: (id) => c.containers.delete(id),
    listTasks: async () =>
      (await c.tasks.list()).map((t) => ({ id: t.id, pid: t.pid, status: t.status, exitStatus: t.status === 'stopped' ? t.exit_status : undefined })),
    exec: async (s) => {
      const container = await c.containers.get(s.containerId);
      const proc = execProcess(container.spec, s);
      await c.tasks.exec({ container_id: s.containerId, exec_id: s.execId, spec: JSON.stringify(proc), terminal: s.terminal, stdin: s.stdin });
    },
    pids: (id) => c.tasks.pids({ container_id: id }),
    metrics: (id) => c.tasks.metrics({ container_id: id }),
    pause: (id) => c.tasks.pause({ container_id: id }),
    resume: (id) => c.tasks.resume({ container_id: id }),
    update: (id, resources) => c.tasks.update({ container_id: id, resources }),
    tagImage: async (source, target) => imageInfo(await c.images.tag(source, target)),
    imageConfig: async (name) => {
      const r = await c.images.config(name);
      return { digest: r.digest, config: JSON.parse(r.config) as unknown };
    },
    subscribe: async (filters, sinceMs) => subscription(c, filters, sinceMs),
    close: () => c.close(),
  };
}

function attachment(session: Awaited<ReturnType<LifecycleApi['tasks']['attach']>>): Attachment {
  let out: (b: Buffer) => void = () => undefined;
  let err: (b: Buffer) => void = () => undefined;
  const done = (async () => {
    // Stream 0 is a terminal's raw bytes: they belong on stdout.
    for await (const chunk of session.output) (chunk.stream === 2 ? err : out)(chunk.data);
  })();
  done.catch(() => undefined); // the caller awaits it; until then a failure must not crash us
  return {
    onStdout: (fn) => (out = fn),
    onStderr: (fn) => (err = fn),
    writeStdin: (b) => session.write(b),
    closeStdin: () => session.closeStdin(),
    done,
    close: () => session.close(),
  };
}

function subscription(c: LifecycleApi, filters: string[], sinceMs?: number): Subscription {
  const abort = new AbortController();
  let handler: (e: LcEvent) => void = () => undefined;
  const done = (async () => {
    try {
      for await (const env of c.events.subscribe(filters, sinceMs, abort.signal)) {
        handler({ timestamp: env.timestamp, topic: env.topic, payload: env.payload });
      }
    } catch (e) {
      if (!abort.signal.aborted) throw e;
    }
  })();
  return { onEvent: (fn) => (handler = fn), done, close: () => abort.abort() };
}
