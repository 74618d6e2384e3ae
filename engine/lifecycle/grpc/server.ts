// The gRPC adapters: thin translations from calls to the local services
// (LifecycleApi) and from EngineErrors to gRPC statuses, once, here.
import * as grpc from '@grpc/grpc-js';
import { once } from 'node:events';

import type { AttachChunk, LifecycleApi } from '../api-types.ts';
import { invalidArgument, toGrpcStatus } from '../../errors.ts';
import { serviceDefinition } from './proto.ts';
import { distributionHandlers } from '../registry/grpc.ts';
import { addTraceService, inCallTrace } from '../trace/grpc.ts';

type Handler = grpc.UntypedHandleCall;

function statusOf(e: unknown): Partial<grpc.StatusObject> {
  const s = toGrpcStatus(e, 'lifecycled');
  return { code: s.code, details: s.details };
}

/** A unary method over an async function; the request is the proto-loader object (defaults filled). */
function unary<Req, Res>(fn: (req: Req) => Promise<Res>): Handler {
  const h: grpc.handleUnaryCall<Req, Res> = (call, cb) => {
    inCallTrace(call, () => fn(call.request)).then(
      (res) => cb(null, res),
      (e: unknown) => cb(statusOf(e)),
    );
  };
  return h as Handler;
}

function required(value: string, what: string): string {
  if (!value) throw invalidArgument('lifecycled', `${what} is required`);
  return value;
}

interface Req {
  id: string;
  name: string;
  key: string;
  digest: string;
  path: string;
  labels: Record<string, string>;
}

interface ProcReq {
  container_id: string;
  exec_id: string;
}

function eventsSubscribe(api: LifecycleApi): Handler {
  const h: grpc.handleServerStreamingCall<{ filters: string[]; replay: boolean; since_ms: number }, unknown> = async (call) => {
    const ac = new AbortController();
    const stop = () => ac.abort();
    call.on('cancelled', stop);
    call.on('close', stop);
    call.on('error', stop);
    const req = call.request;
    try {
      for await (const env of api.events.subscribe(req.filters, req.replay ? req.since_ms : undefined, ac.signal)) {
        if (!call.write(env)) await once(call, 'drain', { signal: ac.signal });
      }
    } catch {
      /* aborted by the client */
    }
    if (!ac.signal.aborted) call.end();
  };
  return h as Handler;
}

/** Content.Read: the blob's chunks, each with its offset; errors end the stream as a status. */
function contentRead(api: LifecycleApi): Handler {
  const h: grpc.handleServerStreamingCall<{ digest: string; offset: number; size: number }, unknown> = async (call) => {
    const ac = new AbortController();
    call.on('cancelled', () => ac.abort());
    const { digest, offset, size } = call.request;
    let at = offset;
    try {
      for await (const data of api.content.read(required(digest, 'digest'), offset, size)) {
        if (ac.signal.aborted) return;
        if (!call.write({ offset: at, data })) await once(call, 'drain', { signal: ac.signal });
        at += data.length;
      }
      call.end();
    } catch (e) {
      if (!ac.signal.aborted) call.emit('error', statusOf(e));
    }
  };
  return h as Handler;
}

interface AttachIn extends ProcReq {
  stdin: boolean;
  stdout: boolean;
  stderr: boolean;
  data: Buffer;
  close_stdin: boolean;
}

/** Attach: the first message opens the session; later ones carry stdin. */
function tasksAttach(api: LifecycleApi): Handler {
  const h: grpc.handleBidiStreamingCall<AttachIn, AttachChunk> = (call) => {
    let started = false;
    let halfClosed = false;
    let session: Awaited<ReturnType<LifecycleApi['tasks']['attach']>> | undefined;
    const early: AttachIn[] = [];
    const handleInput = (m: AttachIn) => {
      if (!session) return void early.push(m);
      if (m.data && m.data.length > 0) session.write(m.data);
      if (m.close_stdin) session.closeStdin();
    };
    call.on('data', (m: AttachIn) => {
      if (started) return handleInput(m);
      started = true;
      api.tasks
        .attach({ container_id: m.container_id, exec_id: m.exec_id, stdin: m.stdin, stdout: m.stdout, stderr: m.stderr })
        .then(async (s) => {
          session = s;
          for (const e of early.splice(0)) handleInput(e);
          if (halfClosed) s.closeStdin();
          for await (const chunk of s.output) {
            if (!call.write(chunk)) await once(call, 'drain');
          }
          call.end();
        })
        .catch((e: unknown) => call.emit('error', statusOf(e)));
    });
    call.on('end', () => {
      halfClosed = true;
      session?.closeStdin();
    });
    call.on('cancelled', () => session?.close());
  };
  return h as Handler;
}

export function addServices(server: grpc.Server, api: LifecycleApi): void {
  server.addService(serviceDefinition('Version'), { Version: unary(() => api.version()) });
  server.addService(serviceDefinition('Containers'), {
    Create: unary(async (req: Parameters<LifecycleApi['containers']['create']>[0]) => ({ container: await api.containers.create(req) })),
    Get: unary(async (req: Req) => ({ container: await api.containers.get(required(req.id, 'id')) })),
    List: unary(async () => ({ containers: await api.containers.list() })),
    Update: unary(async (req: Req) => ({ container: await api.containers.update(required(req.id, 'id'), req.labels) })),
    Delete: unary(async (req: Req) => api.containers.delete(required(req.id, 'id')).then(() => ({}))),
  });
  const t = api.tasks;
  const proc = (req: ProcReq) => ({ container_id: required(req.container_id, 'container_id'), exec_id: req.exec_id });
  server.addService(serviceDefinition('Tasks'), {
    Create: unary((req: Parameters<typeof t.create>[0]) => t.create({ ...req, container_id: required(req.container_id, 'container_id') })),
    Start: unary((req: ProcReq) => t.start(proc(req))),
    Kill: unary((req: ProcReq & { signal: number; all: boolean }) => t.kill({ ...proc(req), signal: req.signal, all: req.all }).then(() => ({}))),
    Delete: unary((req: ProcReq) => t.delete(proc(req))),
    Exec: unary((req: Parameters<typeof t.exec>[0]) => t.exec({ ...req, container_id: required(req.container_id, 'container_id') }).then(() => ({}))),
    Pids: unary(async (req: ProcReq) => ({ pids: await t.pids(proc(req)) })),
    ResizePty: unary((req: ProcReq & { width: number; height: number }) => t.resize({ ...proc(req), width: req.width, height: req.height }).then(() => ({}))),
    CloseIO: unary((req: ProcReq) => t.closeIO(proc(req)).then(() => ({}))),
    Wait: unary((req: ProcReq) => t.wait(proc(req))),
    Attach: tasksAttach(api),
    Get: unary(async (req: ProcReq) => ({ process: await t.get(proc(req)) })),
    List: unary(async () => ({ tasks: await t.list() })),
    Metrics: unary((req: ProcReq) => t.metrics(proc(req))),
    Pause: unary((req: ProcReq) => t.pause(proc(req)).then(() => ({}))),
    Resume: unary((req: ProcReq) => t.resume(proc(req)).then(() => ({}))),
    Update: unary((req: { container_id: string; resources: string }) =>
      t.update({ container_id: required(req.container_id, 'container_id'), resources: required(req.resources, 'resources') }).then(() => ({}))),
  });
  server.addService(serviceDefinition('Events'), { Subscribe: eventsSubscribe(api) });
  if (api.distribution) server.addService(serviceDefinition('Distribution'), distributionHandlers(api.distribution));
  addTraceService(server);
  server.addService(serviceDefinition('Images'), {
    Import: unary(async (req: Req) => ({ image: await api.images.import(required(req.path, 'path'), required(req.name, 'name')) })),
    Load: unary(async (req: Req) => ({ images: await api.images.load(required(req.path, 'path')) })),
    List: unary(async () => ({ images: await api.images.list() })),
    Get: unary(async (req: Req) => ({ image: await api.images.get(required(req.name, 'name')) })),
    Delete: unary((req: Req) => api.images.remove(required(req.name, 'name')).then(() => ({}))),
    Config: unary((req: Req) => api.images.config(required(req.name, 'name'))),
    ResolveUser: unary((req: Req & { user: string }) => api.images.resolveUser(required(req.name, 'name'), req.user)),
    Tag: unary(async (req: { source: string; target: string }) => ({ image: await api.images.tag(required(req.source, 'source'), required(req.target, 'target')) })),
  });
  server.addService(serviceDefinition('Snapshots'), {
    List: unary(async () => ({ snapshots: await api.snapshots.list() })),
    Mounts: unary(async (req: Req) => ({ mounts: await api.snapshots.mounts(required(req.key, 'key')) })),
    Remove: unary((req: Req) => api.snapshots.remove(required(req.key, 'key')).then(() => ({}))),
  });
  server.addService(serviceDefinition('Content'), {
    Info: unary((req: Req) => api.content.info(required(req.digest, 'digest'))),
    List: unary(async () => ({ blobs: await api.content.list() })),
    Delete: unary((req: Req) => api.content.delete(required(req.digest, 'digest')).then(() => ({}))),
    Read: contentRead(api),
  });
}
