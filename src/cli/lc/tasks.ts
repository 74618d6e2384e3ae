// strata lc tasks ls | exec [-t] [-e K=V] --exec-id X ID CMD... | pids ID | metrics ID | pause ID | resume ID | update ID RESOURCES
import { attachAndWait } from './attach.ts';
import { parseArgs, positionals, UsageError } from './args.ts';
import { api, type LcVerb } from './context.ts';
import { table } from './format.ts';

export const tasksVerb: LcVerb = {
  name: 'tasks',
  usage: ['tasks ls [-q]', 'tasks exec [-t] [-d] [-e K=V]... --exec-id X ID CMD...', 'tasks pids ID', 'tasks metrics ID', 'tasks pause ID', 'tasks resume ID', 'tasks update ID RESOURCES-JSON'],
  async run(args, ctx) {
    const [sub, ...rest] = args;
    switch (sub) {
      case 'ls':
      case 'list': {
        const p = parseArgs(rest, [{ name: 'quiet', short: 'q', kind: 'bool' }]);
        positionals(p, []);
        const tasks = (await (await api(ctx)).listTasks()).sort((a, b) => a.id.localeCompare(b.id));
        if (p.bools.has('quiet')) ctx.stdout.write(tasks.map((t) => `${t.id}\n`).join(''));
        else ctx.stdout.write(table(['ID', 'PID', 'STATUS', 'EXIT'], tasks.map((t) => [t.id, String(t.pid), t.status.toUpperCase(), t.exitStatus === undefined ? '-' : String(t.exitStatus)])));
        return 0;
      }
      case 'exec': {
        const p = parseArgs(
          rest,
          [
            { name: 'tty', short: 't', kind: 'bool' },
            { name: 'detach', short: 'd', kind: 'bool' },
            { name: 'env', short: 'e', kind: 'list' },
            { name: 'exec-id', kind: 'value' },
          ],
          { fixedPositionals: 1 },
        );
        const [id] = positionals(p, ['ID']) as [string];
        const execId = p.values.get('exec-id');
        if (!execId) throw new UsageError('missing --exec-id');
        if (p.rest.length === 0) throw new UsageError('missing CMD');
        const terminal = p.bools.has('tty');
        const detach = p.bools.has('detach');
        const client = await api(ctx);
        await client.exec({ containerId: id, execId, args: p.rest, env: p.lists.get('env') ?? [], terminal, stdin: !detach });
        if (detach) {
          await client.startTask(id, execId);
          return 0;
        }
        return attachAndWait(client, id, { execId, terminal, stdin: true, start: true });
      }
      case 'pids': {
        const [id] = positionals(parseArgs(rest, []), ['ID']) as [string];
        const pids = await (await api(ctx)).pids(id);
        ctx.stdout.write(table(['PID'], pids.map((n) => [String(n)])));
        return 0;
      }
      case 'metrics': {
        const [id] = positionals(parseArgs(rest, []), ['ID']) as [string];
        ctx.stdout.write(`${JSON.stringify(await (await api(ctx)).metrics(id), null, 2)}\n`);
        return 0;
      }
      case 'pause':
      case 'resume': {
        const [id] = positionals(parseArgs(rest, []), ['ID']) as [string];
        const client = await api(ctx);
        await (sub === 'pause' ? client.pause(id) : client.resume(id));
        ctx.stdout.write(`${id}\n`);
        return 0;
      }
      case 'update': {
        const [id, resources] = positionals(parseArgs(rest, []), ['ID', 'RESOURCES-JSON']) as [string, string];
        await (await api(ctx)).update(id, resources);
        ctx.stdout.write(`${id}\n`);
        return 0;
      }
      default:
        throw new UsageError(sub === undefined ? 'missing tasks verb' : `unknown tasks verb "${sub}"`);
    }
  },
};
