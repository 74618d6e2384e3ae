// What every verb gets: where the daemon is, a lazily made API client, and
// the process's stdio (tests may swap them).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Client } from '../client/client.ts';
import { DEFAULT_HOST } from '../client/host.ts';
import type { TlsOptions } from '../client/transport.ts';

export interface Ctx {
  /** The daemon's address as given (unix:///run/strata/strata.sock). */
  host: string;
  client(): Client;
  stdout: NodeJS.WriteStream;
  stderr: NodeJS.WriteStream;
  stdin: NodeJS.ReadStream;
}

export interface Command {
  /** "strata ps [OPTIONS]" plus one line per flag. */
  usage: string;
  run(args: string[], ctx: Ctx): Promise<number>;
}

export interface GlobalOptions {
  host?: string;
  tlsVerify?: boolean;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
}

/** -H/--host, then STRATA_HOST, then DOCKER_HOST, then the default socket. */
export function resolveHost(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag || env.STRATA_HOST || env.DOCKER_HOST || DEFAULT_HOST;
}

function tlsFrom(g: GlobalOptions, env: NodeJS.ProcessEnv): TlsOptions | undefined {
  const certDir = env.STRATA_CERT_PATH || env.DOCKER_CERT_PATH;
  const verify = g.tlsVerify || Boolean(env.STRATA_TLS_VERIFY || env.DOCKER_TLS_VERIFY);
  if (!verify && !g.tlsCa && !g.tlsCert) return undefined;
  const file = (flag: string | undefined, name: string) => {
    const p = flag ?? (certDir ? join(certDir, name) : undefined);
    return p ? readFileSync(p) : undefined;
  };
  return { ca: file(g.tlsCa, 'ca.pem'), cert: file(g.tlsCert, 'cert.pem'), key: file(g.tlsKey, 'key.pem'), verify };
}

export function makeContext(g: GlobalOptions, env: NodeJS.ProcessEnv = process.env): Ctx {
  const host = resolveHost(g.host, env);
  let client: Client | undefined;
  return {
    host,
    client() {
      client ??= new Client({ host, tls: tlsFrom(g, env), version: env.STRATA_API_VERSION || env.DOCKER_API_VERSION || undefined, userAgent: 'strata-cli' });
      return client;
    },
    stdout: process.stdout,
    stderr: process.stderr,
    stdin: process.stdin,
  };
}
