// strata info [--format FMT]
import type { SystemInfo } from '../../client/types.ts';
import { parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { bytesSize } from '../format/human.ts';
import { compile } from '../format/template.ts';

export function renderInfo(i: SystemInfo): string {
  const rows: [string, unknown][] = [
    ['Containers', i.Containers],
    [' Running', i.ContainersRunning],
    [' Paused', i.ContainersPaused],
    [' Stopped', i.ContainersStopped],
    ['Images', i.Images],
    ['Server Version', i.ServerVersion],
    ['Storage Driver', i.Driver],
    ['Logging Driver', i.LoggingDriver],
    ['Cgroup Driver', i.CgroupDriver],
    ['Cgroup Version', i.CgroupVersion],
    ['Runtimes', i.Runtimes ? Object.keys(i.Runtimes).join(' ') : undefined],
    ['Default Runtime', i.DefaultRuntime],
    ['Security Options', i.SecurityOptions?.join(' ')],
    ['Kernel Version', i.KernelVersion],
    ['Operating System', i.OperatingSystem],
    ['OSType', i.OSType],
    ['Architecture', i.Architecture],
    ['CPUs', i.NCPU],
    ['Total Memory', i.MemTotal !== undefined ? bytesSize(i.MemTotal) : undefined],
    ['Name', i.Name],
    ['ID', i.ID],
    ['Root Dir', i.DockerRootDir],
  ];
  const out = ['Server:', ...rows.filter(([, v]) => v !== undefined && v !== '').map(([k, v]) => ` ${k}: ${String(v)}`)];
  for (const w of i.Warnings ?? []) out.push(w);
  return `${out.join('\n')}\n`;
}

export const command: Command = {
  usage: 'usage: strata info [-f|--format TEMPLATE]',
  async run(args, ctx) {
    const p = parseArgs(args, [{ name: 'format', short: 'f', kind: 'value' }]);
    const info = await ctx.client().system.info();
    const f = p.values.get('format');
    ctx.stdout.write(f ? `${compile(f).render(info)}\n` : renderInfo(info));
    return 0;
  },
};
