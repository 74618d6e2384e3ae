// The typed promise client of strata-lifecycled (what `strata lc` and the
// tests use), over gRPC on <exec-root>/lifecycled.sock.  It implements the
// same LifecycleApi as the daemon's local services.  Errors come back as
// EngineError (class from the gRPC code, layer from the details).
import * as grpc from '@grpc/grpc-js';
import { AsyncLocalStorage } from 'node:async_hooks';
import { join } from 'node:path';

import type {
  AttachChunk, AttachRequest, AttachSession, Container, ContentInfo, CreateContainerRequest, CreateTaskRequest, Envelope,
  ExecRequest, ExitResponse, Image, ImageConfigResponse, KillRequest, LifecycleApi, Metrics, Mount, ProcessInfo, ProcessRequest,
  ResizePtyRequest, ResolvedUser, SnapshotInfo, UpdateTaskRequest, VersionResponse,
} from './api-types.ts';
import { fromGrpcStatus } from '../errors.ts';
import { PACKAGE, serviceDefinition, type ServiceName } from './grpc/proto.ts';
import { distributionClient } from './registry/client.ts';

/** Wraps a unary call ("Tasks.Create"): the caller's tracing adds metadata (strata-trace-id) and times it. */
export type CallWrapper = <T>(call: string, run: (metadata: grpc.Metadata) => Promise<T>) => Promise<T>;
/** Unary calls made inside callWrapper.run(w, ...) go through w (stratad's request traces). */
export const callWrapper = new AsyncLocalStorage<CallWrapper>();

/** A span of trace.proto (Trace.Get). */
export interface TraceSpan {
  trace_id: string;
  span_id: string;
  parent_id: string;
  layer: string;
  name: string;
  start_ms: number;
  duration_ms: number;
  attrs: string;
}

export interface ClientOptions {
  /** The daemon's socket; or give execRoot for <execRoot>/lifecycled.sock. */
  socket?: string;
  execRoot?: string;
}

function isServiceError(e: unknown): e is grpc.ServiceError {
  return e instanceof Error && 'code' in e && typeof e.code === 'number';
}

function toEngineError(e: unknown): unknown {
  return isServiceError(e) ? fromGrpcStatus(e.code, e.details || e.message) : e;
}

function method(service: ServiceName, name: string): grpc.MethodDefinition<object, unknown> {
  const def = serviceDefinition(service)[name];
  if (!def) throw new Error(`client: no method ${PACKAGE}.${service}/${name}`);
  return def as grpc.MethodDefinition<object, unknown>;
}

export class LifecycleClient implements LifecycleApi {
  readonly socket: string;
  private readonly grpc: grpc.Client;

  constructor(opts: ClientOptions | string) {
    const o = typeof opts === 'string' ? { socket: opts } : opts;
    const socket = o.socket ?? (o.execRoot ? join(o.execRoot, 'lifecycled.sock') : undefined);
    if (!socket) throw new Error('client: give a socket or an exec root');
    this.socket = socket;
    this.grpc = new grpc.Client(`unix:${socket}`, grpc.credentials.createInsecure(), {
      'grpc.max_receive_message_length': 64 * 1024 * 1024,
      // A local daemon restarts in well under a second: retry the socket
      // quickly rather than with gRPC's 1 s..120 s backoff meant for networks.
      'grpc.initial_reconnect_backoff_ms': 100,
      'grpc.max_reconnect_backoff_ms': 1000,
    });
  }

  close(): void {
    this.grpc.close();
  }

  /** Resolves once the daemon answers (polls Version until the deadline). */
  async waitReady(timeoutMs = 10_000): Promise<void> {
    const end = Date.now() + timeoutMs;
    for (;;) {
      try {
        await this.version();
        return;
      } catch (e) {
        if (Date.now() > end) throw e;
        await new Promise((r) => setTimeout(r, 50));
      }
    }
  }

  private unary<Res>(service: ServiceName, name: string, req: object): Promise<Res> {
    const m = method(service, name);
    const run = (md: grpc.Metadata) => new Promise<Res>((resolve, reject) => {
      this.grpc.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, md, (err, res) => {
        if (err) reject(toEngineError(err));
        else resolve(res as Res);
      });
    });
    const wrap = callWrapper.getStore();
    return wrap ? wrap(`${service}.${name}`, run) : run(new grpc.Metadata());
  }

  /** The spans lifecycled, its shims and runtimes recorded for these traces (trace.proto). */
  async traceSpans(traceIds: string[]): Promise<TraceSpan[]> {
    return (await this.unary<{ spans: TraceSpan[] }>('Trace', 'Get', { trace_ids: traceIds })).spans;
  }

  version(): Promise<VersionResponse> {
    return this.unary('Version', 'Version', {});
  }

  readonly containers = {
    create: async (req: CreateContainerRequest) => (await this.unary<{ container: Container }>('Containers', 'Create', req)).container,
    get: async (id: string) => (await this.unary<{ container: Container }>('Containers', 'Get', { id })).container,
    list: async () => (await this.unary<{ containers: Container[] }>('Containers', 'List', {})).containers,
    update: async (id: string, labels: Record<string, string>) => (await this.unary<{ container: Container }>('Containers', 'Update', { id, labels })).container,
    delete: async (id: string) => void (await this.unary('Containers', 'Delete', { id })),
  };

  readonly tasks = {
    create: (req: CreateTaskRequest) => this.unary<{ container_id: string; pid: number }>('Tasks', 'Create', req),
    start: (req: ProcessRequest) => this.unary<{ pid: number }>('Tasks', 'Start', req),
    kill: async (req: KillRequest) => void (await this.unary('Tasks', 'Kill', req)),
    delete: (req: ProcessRequest) => this.unary<ExitResponse>('Tasks', 'Delete', req),
    exec: async (req: ExecRequest) => void (await this.unary('Tasks', 'Exec', req)),
    pids: async (req: ProcessRequest) => (await this.unary<{ pids: number[] }>('Tasks', 'Pids', req)).pids,
    resize: async (req: ResizePtyRequest) => void (await this.unary('Tasks', 'ResizePty', req)),
    closeIO: async (req: ProcessRequest) => void (await this.unary('Tasks', 'CloseIO', req)),
    wait: (req: ProcessRequest) => this.unary<ExitResponse>('Tasks', 'Wait', req),
    attach: (req: AttachRequest) => this.attach(req),
    get: async (req: ProcessRequest) => (await this.unary<{ process: ProcessInfo }>('Tasks', 'Get', req)).process,
    list: async () => (await this.unary<{ tasks: ProcessInfo[] }>('Tasks', 'List', {})).tasks,
    metrics: (req: ProcessRequest) => this.unary<Metrics>('Tasks', 'Metrics', req),
    pause: async (req: ProcessRequest) => void (await this.unary('Tasks', 'Pause', req)),
    resume: async (req: ProcessRequest) => void (await this.unary('Tasks', 'Resume', req)),
    update: async (req: UpdateTaskRequest) => void (await this.unary('Tasks', 'Update', req)),
  };

  readonly events = {
    subscribe: (filters: string[] = [], since?: number, signal?: AbortSignal): AsyncIterable<Envelope> => this.subscribe(filters, since, signal),
  };

  readonly images = {
    import: async (path: string, name: string) => (await this.unary<{ image: Image }>('Images', 'Import', { path, name })).image,
    load: async (path: string) => (await this.unary<{ images: Image[] }>('Images', 'Load', { path })).images,
    list: async () => (await this.unary<{ images: Image[] }>('Images', 'List', {})).images,
    get: async (name: string) => (await this.unary<{ image: Image }>('Images', 'Get', { name })).image,
    remove: async (name: string) => void (await this.unary('Images', 'Delete', { name })),
    config: (name: string) => this.unary<ImageConfigResponse>('Images', 'Config', { name }),
    resolveUser: (name: string, user: string) => this.unary<ResolvedUser>('Images', 'ResolveUser', { name, user }),
    tag: async (source: string, target: string) => (await this.unary<{ image: Image }>('Images', 'Tag', { source, target })).image,
  };

  readonly distribution = distributionClient(() => this.grpc);

  readonly snapshots = {
    list: async () => (await this.unary<{ snapshots: SnapshotInfo[] }>('Snapshots', 'List', {})).snapshots,
    mounts: async (key: string) => (await this.unary<{ mounts: Mount[] }>('Snapshots', 'Mounts', { key })).mounts,
    remove: async (key: string) => void (await this.unary('Snapshots', 'Remove', { key })),
  };

  readonly content = {
    info: (digest: string) => this.unary<ContentInfo>('Content', 'Info', { digest }),
    list: async () => (await this.unary<{ blobs: ContentInfo[] }>('Content', 'List', {})).blobs,
    delete: async (digest: string) => void (await this.unary('Content', 'Delete', { digest })),
    read: (digest: string, offset = 0, size = 0): AsyncIterable<Buffer> => this.read(digest, offset, size),
  };

  private async *read(digest: string, offset: number, size: number): AsyncGenerator<Buffer> {
    const m = method('Content', 'Read');
    const stream = this.grpc.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, { digest, offset, size });
    try {
      for await (const chunk of stream) yield Buffer.from((chunk as { data: Uint8Array }).data);
    } catch (e) {
      throw toEngineError(e);
    } finally {
      stream.cancel();
    }
  }

  private async *subscribe(filters: string[], since: number | undefined, signal?: AbortSignal): AsyncGenerator<Envelope> {
    const m = method('Events', 'Subscribe');
    const req = { filters, replay: since !== undefined, since_ms: since ?? 0 };
    const stream = this.grpc.makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, req);
    const cancel = () => stream.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const env of stream) yield env as Envelope;
    } catch (e) {
      if (isServiceError(e) && e.code === grpc.status.CANCELLED) return;
      throw toEngineError(e);
    } finally {
      signal?.removeEventListener('abort', cancel);
      stream.cancel();
    }
  }

  private attach(req: AttachRequest): Promise<AttachSession> {
    const m = method('Tasks', 'Attach');
    const stream = this.grpc.makeBidiStreamRequest(m.path, m.requestSerialize, m.responseDeserialize);
    const output = queued(stream); // listening from here on: see queued()
    stream.write({ container_id: req.container_id, exec_id: req.exec_id ?? '', stdin: req.stdin === true, stdout: req.stdout !== false, stderr: req.stderr !== false });
    const session: AttachSession = {
      output,
      write: (data) => void stream.write({ data: Buffer.isBuffer(data) ? data : Buffer.from(data) }),
      closeStdin: () => void stream.end(),
      close: () => stream.cancel(),
    };
    return Promise.resolve(session);
  }
}

const QUEUE_HIGH = 64;

/**
 * An attach stream's chunks, listened to from the moment the call is made.
 * gRPC reports a refused attach (no such task, no stdin ...) as an 'error'
 * event; with nobody listening yet, as when the caller first wires the client
 * connection and only then iterates the output, that event is unhandled and
 * takes the whole process down.  Here it is kept and thrown by the iteration
 * instead.  The stream is paused while QUEUE_HIGH chunks wait (backpressure
 * reaches lifecycled through gRPC flow control).
 */
function queued(stream: grpc.ClientDuplexStream<object, unknown>): AsyncGenerator<AttachChunk> {
  const chunks: AttachChunk[] = [];
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const notify = () => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  stream.on('data', (c: AttachChunk) => {
    chunks.push({ stream: c.stream, data: Buffer.from(c.data) });
    if (chunks.length >= QUEUE_HIGH) stream.pause();
    notify();
  });
  stream.on('end', () => {
    ended = true;
    notify();
  });
  stream.on('error', (e: unknown) => {
    if (!(isServiceError(e) && e.code === grpc.status.CANCELLED)) failure ??= toEngineError(e);
    ended = true;
    notify();
  });
  async function* chunksOf(): AsyncGenerator<AttachChunk> {
    for (;;) {
      const c = chunks.shift();
      if (c) {
        if (chunks.length < QUEUE_HIGH / 2 && stream.isPaused()) stream.resume();
        yield c;
        continue;
      }
      if (ended) {
        if (failure !== undefined) throw failure;
        return;
      }
      await new Promise<void>((r) => (wake = r));
    }
  }
  return chunksOf();
}

/** A client for a socket path, or for { socket } / { execRoot }. */
export function connect(opts: ClientOptions | string): LifecycleClient {
  return new LifecycleClient(opts);
}
