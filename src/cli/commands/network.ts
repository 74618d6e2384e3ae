// strata network ls|create|inspect|rm|prune|connect|disconnect
import { parseFilterFlags } from '../../client/filters.ts';
import { keyValues, parseArgs, UsageError } from '../args.ts';
import type { Command } from '../context.ts';
import { eachTarget } from '../each.ts';
import { shortId } from '../format/human.ts';
import { renderInspect, renderRows } from '../format/template.ts';

const USAGE = [
  'usage: strata network ls [-q] [--no-trunc] [-f KEY=VALUE] [--format TEMPLATE]',
  '       strata network create [-d DRIVER] [--subnet CIDR] [--gateway IP] [--ip-range CIDR] [--internal] [--attachable] [--label KEY=VALUE] [-o KEY=VALUE] NAME',
  '       strata network connect [--alias NAME] [--ip IP] NETWORK CONTAINER',
  '       strata network disconnect [-f] NETWORK CONTAINER',
  '       strata network inspect [-f TEMPLATE] NETWORK...',
  '       strata network rm NETWORK...',
  '       strata network prune [-f]',
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
          { name: 'no-trunc', kind: 'bool' },
          { name: 'filter', short: 'f', kind: 'list' },
          { name: 'format', kind: 'value' },
        ]);
        const nets = await c.networks.list({ filters: parseFilterFlags(p.lists.get('filter') ?? []) });
        const trunc = !p.bools.has('no-trunc');
        const rows = nets.map((n) => ({ ...n, ID: trunc ? shortId(n.Id) : n.Id }));
        const format = p.bools.has('quiet') ? '{{.ID}}' : (p.values.get('format') ?? 'table {{.ID}}\t{{.Name}}\t{{.Driver}}\t{{.Scope}}');
        ctx.stdout.write(renderRows(format, rows, { ID: 'NETWORK ID', Name: 'NAME', Driver: 'DRIVER', Scope: 'SCOPE' }));
        return 0;
      }
      case 'create': {
        const p = parseArgs(rest, [
          { name: 'driver', short: 'd', kind: 'value' },
          { name: 'internal', kind: 'bool' },
          { name: 'attachable', kind: 'bool' },
          { name: 'label', kind: 'list' },
          { name: 'opt', short: 'o', kind: 'list' },
          { name: 'subnet', kind: 'value' },
          { name: 'gateway', kind: 'value' },
          { name: 'ip-range', kind: 'value' },
        ]);
        if (p.positionals.length !== 1) throw new UsageError('"network create" requires exactly 1 argument');
        const subnet = p.values.get('subnet');
        const gateway = p.values.get('gateway');
        const ipRange = p.values.get('ip-range');
        if ((gateway || ipRange) && !subnet) throw new UsageError('--gateway and --ip-range need --subnet');
        const ipam = subnet ? { Config: [{ Subnet: subnet, ...(gateway ? { Gateway: gateway } : {}), ...(ipRange ? { IPRange: ipRange } : {}) }] } : undefined;
        const r = await c.networks.create({ Name: p.positionals[0] as string, Driver: p.values.get('driver') ?? 'bridge', Internal: p.bools.has('internal'), Attachable: p.bools.has('attachable'), Labels: keyValues(p.lists.get('label') ?? []), Options: keyValues(p.lists.get('opt') ?? []), ...(ipam ? { IPAM: ipam } : {}) });
        ctx.stdout.write(`${r.Id}\n`);
        return 0;
      }
      case 'inspect': {
        const p = parseArgs(rest, [
          { name: 'format', short: 'f', kind: 'value' },
          { name: 'verbose', short: 'v', kind: 'bool' },
        ]);
        if (p.positionals.length === 0) throw new UsageError('"network inspect" requires at least 1 argument');
        const nets = await Promise.all(p.positionals.map((n) => c.networks.inspect(n)));
        ctx.stdout.write(renderInspect(nets, p.values.get('format')));
        return 0;
      }
      case 'rm':
      case 'remove': {
        const p = parseArgs(rest, [{ name: 'force', short: 'f', kind: 'bool' }]);
        return eachTarget(ctx, p.positionals, (n) => c.networks.remove(n), { verb: 'network rm', ignoreNotFound: p.bools.has('force') });
      }
      case 'connect': {
        const p = parseArgs(rest, [
          { name: 'alias', kind: 'list' },
          { name: 'ip', kind: 'value' },
        ]);
        if (p.positionals.length !== 2) throw new UsageError('"network connect" requires exactly 2 arguments: NETWORK CONTAINER');
        const ip = p.values.get('ip');
        const aliases = p.lists.get('alias') ?? [];
        await c.networks.connect(p.positionals[0] as string, p.positionals[1] as string, { ...(aliases.length ? { Aliases: aliases } : {}), ...(ip ? { IPAMConfig: { IPv4Address: ip } } : {}) });
        return 0;
      }
      case 'disconnect': {
        const p = parseArgs(rest, [{ name: 'force', short: 'f', kind: 'bool' }]);
        if (p.positionals.length !== 2) throw new UsageError('"network disconnect" requires exactly 2 arguments: NETWORK CONTAINER');
        await c.networks.disconnect(p.positionals[0] as string, p.positionals[1] as string, p.bools.has('force'));
        return 0;
      }
      case 'prune': {
        const p = parseArgs(rest, [
          { name: 'force', short: 'f', kind: 'bool' },
          { name: 'filter', kind: 'list' },
        ]);
        const r = await c.networks.prune({ filters: parseFilterFlags(p.lists.get('filter') ?? []) });
        if (r.NetworksDeleted?.length) ctx.stdout.write(`Deleted Networks:\n${r.NetworksDeleted.map((n) => `${n}\n`).join('')}`);
        return 0;
      }
      default:
        throw new UsageError(sub === undefined ? 'network needs a subcommand' : `unknown network subcommand "${sub}"\n${USAGE}`);
    }
  },
};
