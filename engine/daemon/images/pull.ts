// Pull and push through lifecycled's Distribution service, answered as
// Docker's JSON progress stream.  Until lifecycled reports anything the
// answer is not started, so an early failure (bad reference, registry down,
// unknown manifest, refused credentials) is an ordinary HTTP error; after
// that, errors arrive in the stream as errorDetail.
import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import type { DistributionApi, PullProgress, RegistryAuth } from '../../lifecycle/registry/api.ts';
import { failedPrecondition } from '../../errors.ts';
import type { RouteContext } from '../http-types.ts';
import { commonHeaders } from '../server.ts';
import { errorMessage, jsonMessage } from './progress-json.ts';

let insecure: string[] = [];

/** stratad's --insecure-registry list, passed along with every pull and push. */
export function setInsecureRegistries(list: string[]): void {
  insecure = [...list];
}

export function insecureRegistries(): string[] {
  return insecure;
}

export function distribution(lc: LifecycleApi): DistributionApi {
  if (!lc.distribution) throw failedPrecondition('stratad', 'lifecycled offers no Distribution service: pull and push are unavailable');
  return lc.distribution;
}

/** "docker.io/library/busybox" -> "busybox", as Docker prints references. */
export function familiar(repo: string): string {
  for (const p of ['docker.io/library/', 'index.docker.io/library/', 'docker.io/', 'index.docker.io/']) if (repo.startsWith(p)) return repo.slice(p.length);
  return repo;
}

async function stream(ctx: RouteContext, run: (signal: AbortSignal) => AsyncIterable<PullProgress>, done: (p: PullProgress) => object[]): Promise<void> {
  const ac = new AbortController();
  const onClose = () => {
    if (!ctx.res.writableFinished) ac.abort();
  };
  ctx.res.on('close', onClose);
  const it = run(ac.signal)[Symbol.asyncIterator]();
  let first: IteratorResult<PullProgress>;
  try {
    first = await it.next();
  } catch (e) {
    ctx.res.off('close', onClose);
    throw e;
  }
  ctx.res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
  const write = (o: object) => {
    if (!ctx.res.destroyed) ctx.res.write(`${JSON.stringify(o)}\n`);
  };
  try {
    for (let r = first; !r.done; r = await it.next()) {
      const p = r.value;
      if (p.status === 'done') for (const o of done(p)) write(o);
      else write(jsonMessage(p));
    }
  } catch (e) {
    write(errorMessage(e instanceof Error ? e.message : String(e)));
  } finally {
    ctx.res.off('close', onClose);
    ctx.res.end();
  }
}

export interface PullParams {
  fromImage: string;
  tag: string;
  platform: string;
  auth: Partial<RegistryAuth>;
}

export async function pullImage(ctx: RouteContext, lc: LifecycleApi, p: PullParams, after?: () => void): Promise<void> {
  const d = distribution(lc);
  const isDigest = p.tag.startsWith('sha256:');
  let shown = familiar(p.fromImage);
  if (p.tag) shown += isDigest ? `@${p.tag}` : `:${p.tag}`;
  else if (!/[@]/.test(shown) && !/:[^/]*$/.test(shown)) shown += ':latest';
  await stream(
    ctx,
    (signal) => d.pull({ ref: p.fromImage, tag: p.tag, platform: p.platform, auth: p.auth, insecure_registries: insecure }, signal),
    (done) => {
      after?.();
      return [
        { status: `Digest: ${done.digest}` },
        { status: done.detail === 'uptodate' ? `Status: Image is up to date for ${shown}` : `Status: Downloaded newer image for ${shown}` },
      ];
    },
  );
}

export async function pushImage(ctx: RouteContext, lc: LifecycleApi, names: string[], auth: Partial<RegistryAuth>): Promise<void> {
  const d = distribution(lc);
  async function* all(signal: AbortSignal): AsyncGenerator<PullProgress> {
    for (const name of names) yield* d.push({ name, tag: '', auth, insecure_registries: insecure }, signal);
  }
  await stream(ctx, all, (done) => [
    { status: `${done.detail}: digest: ${done.digest} size: ${done.size}` },
    { progressDetail: {}, aux: { Tag: done.detail, Digest: done.digest, Size: done.size } },
  ]);
}
