// The shape of docker's multi-target verbs (stop a b c, rm -f a b): act on
// each in turn, print the name on success, report each failure, and exit 1
// at the end if any failed. A 404 under -f is not a failure (rm -f, rmi -f).
import { ApiError } from '../client/errors.ts';
import type { Ctx } from './context.ts';
import { describe } from './errors.ts';
import { UsageError } from './args.ts';

export async function eachTarget(ctx: Ctx, targets: string[], act: (t: string) => Promise<unknown>, opts: { quiet?: boolean; ignoreNotFound?: boolean; verb?: string } = {}): Promise<number> {
  if (targets.length === 0) throw new UsageError(`"${opts.verb ?? 'this command'}" requires at least 1 argument`);
  let failed = false;
  for (const t of targets) {
    try {
      await act(t);
      if (!opts.quiet) ctx.stdout.write(`${t}\n`);
    } catch (e) {
      // A dead daemon fails every target alike: say it once.
      if (!(e instanceof ApiError)) throw e;
      ctx.stderr.write(`${describe(e, ctx.host)}\n`);
      if (!(opts.ignoreNotFound && e.status === 404)) failed = true;
    }
  }
  return failed ? 1 : 0;
}
