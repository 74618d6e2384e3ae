// The Distribution service from the client side (LifecycleClient.distribution):
// progress streams as async iterables, errors as EngineErrors.  When a pull or
// push brings no credentials, the caller's docker config (~/.docker/config.json
// or $DOCKER_CONFIG) is read, as lifecycled's own debug client wants.
import * as grpc from '@grpc/grpc-js';

import { fromGrpcStatus } from '../../errors.ts';
import { serviceDefinition } from '../grpc/proto.ts';
import type { DistributionApi, LoginRequest, LoginResponse, PullRequest, PushRequest, RegistryAuth } from './api.ts';
import { credentialsFor } from './docker-config.ts';
import type { Progress } from './progress.ts';
import { parseReference } from './reference.ts';

function isServiceError(e: unknown): e is grpc.ServiceError {
  return e instanceof Error && 'code' in e && typeof e.code === 'number';
}

function authFromConfig(ref: string): Partial<RegistryAuth> {
  try {
    const c = credentialsFor(parseReference(ref).registry);
    return c ? { username: c.username ?? '', password: c.password ?? '', identity_token: c.identityToken ?? '', registry_token: c.registryToken ?? '' } : {};
  } catch {
    return {};
  }
}

export function distributionClient(grpcClient: () => grpc.Client): DistributionApi {
  const def = () => serviceDefinition('Distribution');
  async function* streamCall(name: 'Pull' | 'Push', req: object, signal?: AbortSignal): AsyncGenerator<Progress> {
    const m = def()[name] as grpc.MethodDefinition<object, Progress>;
    const call = grpcClient().makeServerStreamRequest(m.path, m.requestSerialize, m.responseDeserialize, req);
    const cancel = () => call.cancel();
    signal?.addEventListener('abort', cancel, { once: true });
    try {
      for await (const p of call) yield p as Progress;
    } catch (e) {
      if (isServiceError(e) && e.code === grpc.status.CANCELLED && signal?.aborted) return;
      throw isServiceError(e) ? fromGrpcStatus(e.code, e.details || e.message) : e;
    } finally {
      signal?.removeEventListener('abort', cancel);
      call.cancel();
    }
  }
  return {
    pull: (req: PullRequest, signal?: AbortSignal) => streamCall('Pull', { ...req, auth: req.auth ?? authFromConfig(req.ref) }, signal),
    push: (req: PushRequest, signal?: AbortSignal) => streamCall('Push', { ...req, auth: req.auth ?? authFromConfig(req.name) }, signal),
    login: (req: LoginRequest) =>
      new Promise<LoginResponse>((resolve, reject) => {
        const m = def().Login as grpc.MethodDefinition<object, LoginResponse>;
        grpcClient().makeUnaryRequest(m.path, m.requestSerialize, m.responseDeserialize, req, (err, res) => {
          if (err) reject(fromGrpcStatus(err.code, err.details || err.message));
          else resolve(res as LoginResponse);
        });
      }),
  };
}
