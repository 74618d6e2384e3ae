// The typed promise client of strata-lifecycled (what `strata lc` and the
// tests use), over gRPC on <exec-root>/lifecycled.sock.  It implements the
// same LifecycleApi as the daemon's local services.  Errors come back as
// EngineError (class from the gRPC code, layer from the details).
import * as grpc from '@grpc/grpc-js';
import { join } from 'node:path';

import type {
  AttachChunk, AttachRequest, AttachSession, Container, ContentInfo, CreateContainerRequest, CreateTaskRequest, Envelope,
  ExecRequest, ExitResponse, Image, KillRequest, LifecycleApi, Metrics, Mount, ProcessInfo, ProcessRequest, ResizePtyRequest,
  SnapshotInfo, VersionResponse,
} from './api-types.ts';
import { fromGrpcStatus } from '../errors.ts';
import { PACKAGE, serviceDefinition, type ServiceName } from './grpc/proto.ts';

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
    return new Promise<Res>((resolve, reject) => {
      this.grpc.makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, (err, res) => {
        if (err) reject(toEngineError(err));
        else resolve(res as Res);
      });
    });
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
  };

  readonly snapshots = {
    list: async () => (await this.unary<{ snapshots: SnapshotInfo[] }>('Snapshots', 'List', {})).snapshots,
    mounts: async (key: string) => (await this.unary<{ mounts: Mount[] }>('Snapshots', 'Mounts', { key })).mounts,
    remove: async (key: string) => void (await this.unary('Snapshots', 'Remove', { key })),
  };

  readonly content = {
    info: (digest: string) => this.unary<ContentInfo>('Content', 'Info', { digest }),
    list: async () => (await this.unary<{ blobs: ContentInfo[] }>('Content', 'List', {})).blobs,
    delete: async (digest: string) => void (await this.unary('Content', 'Delete', { digest })),
  };

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
    stream.write({ container_id: req.container_id, exec_id: req.exec_id ?? '', stdin: req.stdin === true, stdout: req.stdout !== false, stderr: req.stderr !== false });
    async function* output(): AsyncGenerator<AttachChunk> {
      try {
        for await (const chunk of stream) {
          const c = chunk as AttachChunk;
          yield { stream: c.stream, data: Buffer.from(c.data) };
        }
      } catch (e) {
        if (isServiceError(e) && e.code === grpc.status.CANCELLED) return;
        throw toEngineError(e);
      }
    }
    const session: AttachSession = {
      output: output(),
      write: (data) => void stream.write({ data: Buffer.isBuffer(data) ? data : Buffer.from(data) }),
      closeStdin: () => void stream.end(),
      close: () => stream.cancel(),
    };
    return Promise.resolve(session);
  }
}

/** A client for a socket path, or for { socket } / { execRoot }. */
export function connect(opts: ClientOptions | string): LifecycleClient {
  return new LifecycleClient(opts);
}
