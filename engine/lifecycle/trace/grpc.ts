// The Trace service of trace.proto (server side) and the incoming-trace
// wrapper the gRPC adapters put around each unary call.
import * as grpc from '@grpc/grpc-js';

import { serviceDefinition } from '../grpc/proto.ts';
import { fromMetadata } from './context.ts';
import { lifecycleTraces } from './store.ts';

/** Run a unary call under the trace its metadata names; span name "Tasks.Create" from the method path. */
export function inCallTrace<T>(call: { metadata: grpc.Metadata; getPath(): string }, fn: () => Promise<T>): Promise<T> {
  const get = (k: string) => {
    const v = call.metadata.get(k)[0];
    return typeof v === 'string' ? v : undefined;
  };
  const name = call.getPath().replace(/^\/strata\.lifecycle\.v1\./, '').replace('/', '.');
  return fromMetadata(get, name, fn);
}

export function addTraceService(server: grpc.Server): void {
  const get: grpc.handleUnaryCall<{ trace_ids: string[] }, unknown> = (call, cb) => {
    cb(null, { spans: lifecycleTraces.get(call.request.trace_ids ?? []) });
  };
  server.addService(serviceDefinition('Trace'), { Get: get as grpc.UntypedHandleCall });
}
