// GET /strata/requests: the request log as a JSON array; ?follow=1 streams
// it as NDJSON (what is in the ring first, then each call as it finishes).
import type { Route, RouteContext } from '../http-types.ts';
import { services } from '../services.ts';
import { flag, startStream } from './util.ts';

async function requests(ctx: RouteContext): Promise<void> {
  const log = services().requests;
  if (!flag(ctx.query, 'follow')) {
    ctx.json(200, log.list());
    return;
  }
  startStream(ctx, 'application/x-ndjson');
  for (const r of log.list()) ctx.res.write(`${JSON.stringify(r)}\n`);
  const stop = log.follow((r) => {
    // Our own follow call ends up in the log only when it closes: no loop.
    ctx.res.write(`${JSON.stringify(r)}\n`);
  });
  await new Promise<void>((resolve) => ctx.res.once('close', resolve));
  stop();
}

export const routes: Route[] = [{ method: 'GET', path: '/strata/requests', handler: requests }];
