// strata create [OPTIONS] IMAGE [COMMAND] [ARG...]: create, print the ID.
// Also home of the create step `run` shares: on "no such image" try a pull
// once, as docker does, then create again.
import { ApiError } from '../../client/errors.ts';
import type { CreateResponse } from '../../client/types.ts';
import { parseCreate, splitReference, type CreateRequest } from '../container-config.ts';
import type { Command, Ctx } from '../context.ts';
import { consoleSize } from '../stdio.ts';

export async function createWithPull(ctx: Ctx, req: CreateRequest): Promise<CreateResponse> {
  const c = ctx.client();
  const pull = req.parsed.values.get('pull') ?? 'missing';
  try {
    if (pull === 'always') await pullImage(ctx, req.image);
    return await c.containers.create(req.body, { name: req.name, platform: req.parsed.values.get('platform') });
  } catch (e) {
    if (!(e instanceof ApiError) || e.status !== 404 || pull === 'never') throw e;
    ctx.stderr.write(`Unable to find image '${req.image}' locally\n`);
    await pullImage(ctx, req.image);
    return c.containers.create(req.body, { name: req.name });
  }
}

async function pullImage(ctx: Ctx, ref: string): Promise<void> {
  const { image, tag } = splitReference(ref);
  for await (const m of ctx.client().images.pull(image, tag)) {
    if (m.status && !m.progress) ctx.stderr.write(`${m.id ? `${m.id}: ` : ''}${m.status}\n`);
  }
}

export const command: Command = {
  usage: 'usage: strata create [OPTIONS] IMAGE [COMMAND] [ARG...]\n(the same options as strata run, without -d/--rm semantics)',
  async run(args, ctx) {
    const req = parseCreate(args, consoleSize(ctx));
    const created = await createWithPull(ctx, req);
    for (const w of created.Warnings ?? []) ctx.stderr.write(`WARNING: ${w}\n`);
    ctx.stdout.write(`${created.Id}\n`);
    return 0;
  },
};
