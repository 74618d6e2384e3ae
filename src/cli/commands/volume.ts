// strata volume ls|create|inspect|rm|prune
import { parseFilterFlags } from '../../client/filters.ts';
import { keyValues, parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';
import { eachTarget } from '../each.ts';
import { humanSize } from '../format/human.ts';
import { renderInspect, renderRows } from '../format/template.ts';

const USAGE = [
  'usage: strata volume ls [-q] [-f KEY=VALUE] [--format TEMPLATE]',
  '       strata volume create [-d DRIVER] [-o KEY=VALUE] [--label KEY=VALUE] [NAME]',
  '       strata volume inspect [-f TEMPLATE] NAME...',
  '       strata volume rm [-f] NAME...',
  '       strata volume prune [-a] [-f]',
].join('\n');


export const command: Command = {
  usage: USAGE,
  async run(args, ctx) {
    const [sub, ...rest] = args;
    const c = ctx.client();
    switch (sub) {
      case 'ls':
      case 'list': {
        const p = parseArgs(rest, [
          { name: 'quiet', short: 'q', kind: 'bool' },
          { name: 'filter', short: 'f', kind: 'list' },
          { name: 'format', kind: 'value' },
        ]);
        const vols = await c.volumes.list({ filters: parseFilterFlags(p.lists.get('filter') ?? []) });
        const format = p.bools.has('quiet') ? '{{.Name}}' : (p.values.get('format') ?? 'table {{.Driver}}\t{{.Name}}');
        ctx.stdout.write(renderRows(format, vols, { Driver: 'DRIVER', Name: 'VOLUME NAME', Mountpoint: 'MOUNTPOINT', Scope: 'SCOPE' }));
        return 0;
      }
      case 'create': {
        const p = parseArgs(rest, [
          { name: 'driver', short: 'd', kind: 'value' },
          { name: 'opt', short: 'o', kind: 'list' },
          { name: 'label', kind: 'list' },
          { name: 'name', kind: 'value' },
        ]);
        const v = await c.volumes.create({ Name: p.positionals[0] ?? p.values.get('name') ?? '', Driver: p.values.get('driver') ?? 'local', DriverOpts: keyValues(p.lists.get('opt') ?? []), Labels: keyValues(p.lists.get('label') ?? []) });
        ctx.stdout.write(`${v.Name}\n`);
        return 0;
      }
      case 'inspect': {
        const p = parseArgs(rest, [{ name: 'format', short: 'f', kind: 'value' }]);
        if (p.positionals.length === 0) throw new UsageError('"volume inspect" requires at least 1 argument');
        const vols = await Promise.all(p.positionals.map((n) => c.volumes.inspect(n)));
        ctx.stdout.write(renderInspect(vols, p.values.get('format')));
        return 0;
      }
      case 'rm':
      case 'remove': {
        const p = parseArgs(rest, [{ name: 'force', short: 'f', kind: 'bool' }]);
        return eachTarget(ctx, p.positionals, (n) => c.volumes.remove(n, { force: p.bools.has('force') }), { verb: 'volume rm', ignoreNotFound: p.bools.has('force') });
      }
      case 'prune': {
        const p = parseArgs(rest, [
          { name: 'all', short: 'a', kind: 'bool' },
          { name: 'force', short: 'f', kind: 'bool' },
          { name: 'filter', kind: 'list' },
        ]);
        const filters = parseFilterFlags(p.lists.get('filter') ?? []);
        if (p.bools.has('all')) filters.all = ['true'];
        const r = await c.volumes.prune({ filters });
        if (r.VolumesDeleted?.length) ctx.stdout.write(`Deleted Volumes:\n${r.VolumesDeleted.map((v) => `${v}\n`).join('')}\n`);
        ctx.stdout.write(`Total reclaimed space: ${humanSize(r.SpaceReclaimed ?? 0)}\n`);
        return 0;
      }
      default:
        throw new UsageError(sub === undefined ? 'volume needs a subcommand' : `unknown volume subcommand "${sub}"\n${USAGE}`);
    }
  },
};
