// strata inspect [-f FORMAT] [--type container|image|volume|network] NAME...
// Without --type it tries container, image, volume, network in turn, as
// docker does; a name none of them knows is "No such object".
import { ApiError } from '../../client/errors.ts';
import type { Client } from '../../client/client.ts';
import { parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';
import { renderInspect } from '../format/template.ts';

type Kind = 'container' | 'image' | 'volume' | 'network';
const KINDS: Kind[] = ['container', 'image', 'volume', 'network'];

function fetchOne(c: Client, kind: Kind, name: string): Promise<unknown> {
  switch (kind) {
    case 'container':
      return c.containers.inspect(name);
    case 'image':
      return c.images.inspect(name);
    case 'volume':
      return c.volumes.inspect(name);
    case 'network':
      return c.networks.inspect(name);
  }
}

async function find(c: Client, kinds: Kind[], name: string): Promise<unknown | undefined> {
  for (const k of kinds) {
    try {
      return await fetchOne(c, k, name);
    } catch (e) {
      if (!(e instanceof ApiError && (e.status === 404 || e.status === 400))) throw e;
    }
  }
  return undefined;
}

export const command: Command = {
  usage: 'usage: strata inspect [-f|--format TEMPLATE] [--type container|image|volume|network] NAME...',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'format', short: 'f', kind: 'value' },
      { name: 'type', kind: 'value' },
      { name: 'size', short: 's', kind: 'bool' },
    ]);
    if (p.positionals.length === 0) throw new UsageError('"inspect" requires at least 1 argument');
    const type = p.values.get('type');
    if (type !== undefined && !KINDS.includes(type as Kind)) throw new UsageError(`"${type}" is not a valid value for --type`);
    const kinds = type ? [type as Kind] : KINDS;
    const found: unknown[] = [];
    let failed = false;
    for (const name of p.positionals) {
      const obj = await find(ctx.client(), kinds, name);
      if (obj === undefined) {
        ctx.stderr.write(type ? `Error: No such ${type}: ${name}\n` : `Error: No such object: ${name}\n`);
        failed = true;
      } else found.push(obj);
    }
    ctx.stdout.write(renderInspect(found, p.values.get('format')));
    return failed ? 1 : 0;
  },
};
