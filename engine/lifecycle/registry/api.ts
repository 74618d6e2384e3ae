// The Distribution service's contract (distribution.proto), as the local
// implementation, the gRPC adapter and the client share it.
import type { DistributionDeps } from './deps.ts';
import { login } from './login.ts';
import type { Progress } from './progress.ts';
import { pull } from './pull.ts';
import { push } from './push.ts';

export type { Progress as PullProgress } from './progress.ts';

export interface RegistryAuth {
  username: string;
  password: string;
  identity_token: string;
  registry_token: string;
}

export interface PullRequest {
  ref: string;
  tag?: string;
  platform?: string;
  auth?: Partial<RegistryAuth>;
  insecure_registries?: string[];
}

export interface PushRequest {
  name: string;
  tag?: string;
  auth?: Partial<RegistryAuth>;
  insecure_registries?: string[];
}

export interface LoginRequest {
  server_address: string;
  auth: Partial<RegistryAuth>;
  insecure_registries?: string[];
}

export interface LoginResponse {
  ok: boolean;
  status: string;
  message: string;
}

export interface DistributionApi {
  pull(req: PullRequest, signal?: AbortSignal): AsyncIterable<Progress>;
  push(req: PushRequest, signal?: AbortSignal): AsyncIterable<Progress>;
  login(req: LoginRequest): Promise<LoginResponse>;
}

function creds(a: Partial<RegistryAuth> | undefined) {
  const out: { username?: string; password?: string; identityToken?: string; registryToken?: string } = {};
  if (a?.username) out.username = a.username;
  if (a?.password) out.password = a.password;
  if (a?.identity_token) out.identityToken = a.identity_token;
  if (a?.registry_token) out.registryToken = a.registry_token;
  return out;
}

export function distributionApi(deps: DistributionDeps): DistributionApi {
  return {
    pull: (req, signal) =>
      pull(deps, { ref: req.ref, tag: req.tag, platform: req.platform, credentials: creds(req.auth), insecureRegistries: req.insecure_registries ?? [], signal }),
    push: (req, signal) => push(deps, { name: req.name, tag: req.tag, credentials: creds(req.auth), insecureRegistries: req.insecure_registries ?? [], signal }),
    login: (req) => login(deps, { serverAddress: req.server_address, credentials: creds(req.auth), insecureRegistries: req.insecure_registries ?? [] }),
  };
}
