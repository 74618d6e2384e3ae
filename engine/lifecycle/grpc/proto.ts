// Loading the .proto contract at run time (server and client alike).
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

import { PROTO_ROOT } from '../paths.ts';

export const PACKAGE = 'strata.lifecycle.v1';
export type ServiceName = 'Version' | 'Containers' | 'Tasks' | 'Events' | 'Images' | 'Content' | 'Snapshots' | 'Trace' | 'Distribution';

let cached: protoLoader.PackageDefinition | undefined;

function packageDefinition(): protoLoader.PackageDefinition {
  if (cached) return cached;
  const dir = join(PROTO_ROOT, 'strata', 'lifecycle', 'v1');
  const files = readdirSync(dir).filter((f) => f.endsWith('.proto')).map((f) => join(dir, f));
  // keepCase: fields as in the .proto (api-types.ts); longs as numbers (sizes
  // and counters stay below 2^53); defaults so absent fields read as zero values.
  cached = protoLoader.loadSync(files, { keepCase: true, longs: Number, enums: String, defaults: true, arrays: true, objects: true, includeDirs: [PROTO_ROOT] });
  return cached;
}

export function serviceDefinition(name: ServiceName): grpc.ServiceDefinition {
  const def = packageDefinition()[`${PACKAGE}.${name}`];
  if (!def || 'format' in def) throw new Error(`strata-lifecycled: ${PACKAGE}.${name} is not a service in ${PROTO_ROOT}`);
  return def as grpc.ServiceDefinition;
}

export function clientConstructor(name: ServiceName): grpc.ServiceClientConstructor {
  return grpc.makeGenericClientConstructor(serviceDefinition(name), name);
}
