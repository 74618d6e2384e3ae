// strata version [--format FMT]: the client, then each server layer from
// /version's Components (stratad, strata-lifecycled, shim, runtime ...).
// Without a daemon the client block still prints, then the connect error.
import { arch, platform } from 'node:os';

import pkg from '../../../package.json' with { type: 'json' };
import { OUR_API_VERSION } from '../../client/version.ts';
import type { VersionResponse } from '../../client/types.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { compile } from '../format/template.ts';

export function clientInfo(apiVersion: string) {
  return { Version: pkg.version, ApiVersion: apiVersion, NodeVersion: process.version, Os: platform(), Arch: arch() };
}

export function renderVersion(client: ReturnType<typeof clientInfo>, server: VersionResponse | undefined): string {
  const lines = ['Client: strata', ` Version:           ${client.Version}`, ` API version:       ${client.ApiVersion}`, ` Node version:      ${client.NodeVersion}`, ` OS/Arch:           ${client.Os}/${client.Arch}`];
  if (!server) return `${lines.join('\n')}\n`;
  lines.push('', `Server: ${server.Platform?.Name ?? ''}`.trimEnd());
  const components = server.Components?.length ? server.Components : [{ Name: 'Engine', Version: server.Version, Details: { ApiVersion: server.ApiVersion, MinAPIVersion: server.MinAPIVersion ?? '', Os: server.Os, Arch: server.Arch } }];
  for (const comp of components) {
    lines.push(` ${comp.Name}:`, `  Version:          ${comp.Version}`);
    for (const [k, v] of Object.entries(comp.Details ?? {})) if (v !== '') lines.push(`  ${`${k}:`.padEnd(17)} ${v}`);
  }
  return `${lines.join('\n')}\n`;
}

export const command: Command = {
  usage: 'usage: strata version [-f|--format TEMPLATE]',
  async run(args, ctx) {
    const p = parseArgs(args, [{ name: 'format', short: 'f', kind: 'value' }]);
    const c = ctx.client();
    let server: VersionResponse | undefined;
    let failure: unknown;
    let api = OUR_API_VERSION;
    try {
      api = await c.apiVersion();
      server = await c.system.version();
    } catch (e) {
      failure = e;
    }
    const client = clientInfo(api);
    const f = p.values.get('format');
    ctx.stdout.write(f ? `${compile(f).render({ Client: client, Server: server })}\n` : renderVersion(client, server));
    if (failure) throw failure;
    return 0;
  },
};
