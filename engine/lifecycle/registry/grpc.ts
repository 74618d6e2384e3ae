// The Distribution service's gRPC adapter: progress streams and login.
import * as grpc from '@grpc/grpc-js';
import { once } from 'node:events';

import { toGrpcStatus } from '../../errors.ts';
import type { DistributionApi, LoginRequest, PullRequest, PushRequest } from './api.ts';
import type { Progress } from './progress.ts';

function stream<Req>(run: (req: Req, signal: AbortSignal) => AsyncIterable<Progress>): grpc.UntypedHandleCall {
  const h: grpc.handleServerStreamingCall<Req, Progress> = async (call) => {
    const ac = new AbortController();
    call.on('cancelled', () => ac.abort());
    try {
      for await (const p of run(call.request, ac.signal)) {
        if (ac.signal.aborted) return;
        if (!call.write(p)) await once(call, 'drain', { signal: ac.signal });
      }
      call.end();
    } catch (e) {
      if (ac.signal.aborted) return;
      const s = toGrpcStatus(e, 'lifecycled');
      call.emit('error', { code: s.code, details: s.details });
    }
  };
  return h as grpc.UntypedHandleCall;
}

export function distributionHandlers(api: DistributionApi): grpc.UntypedServiceImplementation {
  const login: grpc.handleUnaryCall<LoginRequest, unknown> = (call, cb) => {
    api.login(call.request).then(
      (r) => cb(null, r),
      (e: unknown) => {
        const s = toGrpcStatus(e, 'lifecycled');
        cb({ code: s.code, details: s.details });
      },
    );
  };
  return {
    Pull: stream<PullRequest>((req, signal) => api.pull(req, signal)),
    Push: stream<PushRequest>((req, signal) => api.push(req, signal)),
    Login: login as grpc.UntypedHandleCall,
  };
}
