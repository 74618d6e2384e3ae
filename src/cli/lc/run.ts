// strata lc run [-d] [--rm] [-t] [-e K=V]... IMAGE ID [CMD...]: create the
// container and its task, start it; in the foreground attach our stdio, wait,
// and exit with the container's code (-d prints the id instead).
import { attachAndWait } from './attach.ts';
import { parseArgs, positionals, UsageError } from './args.ts';
import { api, type LcVerb } from './context.ts';
import { removeContainer } from './rm.ts';

export const runVerb: LcVerb = {
  name: 'run',
  usage: ['run [-d] [--rm] [-t] [-e K=V]... IMAGE ID [CMD...]'],
  async run(args, ctx) {
    const p = parseArgs(
      args,
      [
        { name: 'detach', short: 'd', kind: 'bool' },
        { name: 'rm', kind: 'bool' },
        { name: 'tty', short: 't', kind: 'bool' },
        // Accepted from docker habit: a foreground run always has our stdin.
        { name: 'interactive', short: 'i', kind: 'bool' },
        { name: 'env', short: 'e', kind: 'list' },
      ],
      { fixedPositionals: 2 },
    );
    const [image, id] = positionals(p, ['IMAGE', 'ID']) as [string, string];
    const detach = p.bools.has('detach');
    const terminal = p.bools.has('tty');
    if (detach && p.bools.has('rm')) throw new UsageError('--rm and -d do not go together: nobody would wait to remove it');
    for (const kv of p.lists.get('env') ?? []) if (!kv.includes('=')) throw new UsageError(`-e wants K=V, got "${kv}"`);
    // A foreground container gets our stdin (as ctr run does); a detached one none.
    const spec = { id, image, args: p.rest, env: p.lists.get('env') ?? [], terminal, stdin: !detach };
    const client = await api(ctx);
    await client.createContainer(spec);
    try {
      await client.createTask(spec);
    } catch (e) {
      // --rm promised no leftover: the record goes with the failed task.
      if (p.bools.has('rm')) await client.deleteContainer(id).catch(() => undefined);
      throw e;
    }
    if (detach) {
      await client.startTask(id);
      ctx.stdout.write(`${id}\n`);
      return 0;
    }
    try {
      return await attachAndWait(client, id, { terminal, stdin: true, start: true });
    } finally {
      if (p.bools.has('rm')) await removeContainer(client, id, true);
    }
  },
};
