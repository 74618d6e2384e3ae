// strata pull [--platform os/arch[/variant]] [-q] NAME[:TAG|@DIGEST]
import { needArgs, parseArgs } from '../args.ts';
import type { Command } from '../context.ts';
import { splitReference } from '../container-config.ts';
import { ProgressView } from '../pull-progress.ts';

/** "busybox" -> "docker.io/library/busybox:latest", as docker prints the pulled reference. */
export function fullReference(ref: string): string {
  const first = ref.split('/')[0] ?? '';
  const hasRegistry = ref.includes('/') && (first.includes('.') || first.includes(':') || first === 'localhost');
  let full = hasRegistry ? ref : ref.includes('/') ? `docker.io/${ref}` : `docker.io/library/${ref}`;
  const last = full.slice(full.lastIndexOf('/') + 1);
  if (!full.includes('@') && !last.includes(':')) full += ':latest';
  return full;
}

export const command: Command = {
  usage: 'usage: strata pull [OPTIONS] NAME[:TAG|@DIGEST]\n  --platform string   Set platform if server is multi-platform capable (os/arch[/variant])\n  -q, --quiet         Suppress verbose output',
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'platform', kind: 'value' },
      { name: 'quiet', short: 'q', kind: 'bool' },
    ]);
    needArgs(p, 1, 'strata pull', 1);
    const ref = p.positionals[0] as string;
    const { image, tag } = splitReference(ref);
    const quiet = p.bools.has('quiet');
    const view = new ProgressView(ctx.stdout);
    for await (const m of ctx.client().images.pull(image, tag, { platform: p.values.get('platform') })) {
      if (!quiet) view.update(m);
    }
    ctx.stdout.write(`${fullReference(ref)}\n`);
    return 0;
  },
};
