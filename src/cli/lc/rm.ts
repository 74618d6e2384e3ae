// strata lc rm [-f] ID...: delete the task (SIGKILL and wait for it first with
// -f) and then the container record, its snapshot and its shim.
import { failedPrecondition } from '../../../engine/errors.ts';

import type { LcApi } from './api.ts';
import { parseArgs, UsageError } from './args.ts';
import { api, type LcVerb } from './context.ts';

const SIGKILL = 9;

async function hasTask(client: LcApi, id: string) {
  return (await client.listTasks()).find((t) => t.id === id);
}

export async function removeContainer(client: LcApi, id: string, force: boolean): Promise<void> {
  const task = await hasTask(client, id);
  if (task) {
    if (task.status !== 'stopped') {
      if (!force) throw failedPrecondition('lifecycled', `task ${id} is ${task.status}: stop it first or use rm -f`);
      await client.kill(id, SIGKILL, { all: true }).catch(() => undefined); // it may have exited meanwhile
      await client.wait(id);
    }
    await client.deleteTask(id);
  }
  await client.deleteContainer(id);
}

export const rmVerb: LcVerb = {
  name: 'rm',
  usage: ['rm [-f] ID...'],
  async run(args, ctx) {
    const p = parseArgs(args, [{ name: 'force', short: 'f', kind: 'bool' }]);
    if (p.positionals.length === 0) throw new UsageError('missing ID');
    const client = await api(ctx);
    for (const id of p.positionals) {
      await removeContainer(client, id, p.bools.has('force'));
      ctx.stdout.write(`${id}\n`);
    }
    return 0;
  },
};
