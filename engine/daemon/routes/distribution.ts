// Registries: pull (POST /images/create?fromImage=, reached from images.ts),
// push (POST /images/{name}/push?tag=) and login (POST /auth), delegated to
// lifecycled's Distribution service.
import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { invalidArgument, notFound } from '../../errors.ts';
import type { Route, RouteContext } from '../http-types.ts';
import { forgetParsed } from '../images/model.ts';
import { distribution, insecureRegistries, pullImage, pushImage } from '../images/pull.ts';
import { authBody, decodeRegistryAuthHeader } from '../images/registry-auth.ts';
import { backend } from '../streams/backend.ts';

const lc = (): LifecycleApi => backend().lifecycle();

/** POST /images/create with fromImage: the pull. */
export async function createFromImage(ctx: RouteContext): Promise<void> {
  const q = ctx.query;
  const fromImage = q.get('fromImage') ?? '';
  if (!fromImage) throw invalidArgument('stratad', 'fromImage is required');
  const platform = q.get('platform') ?? '';
  await pullImage(ctx, lc(), { fromImage, tag: q.get('tag') ?? '', platform, auth: decodeRegistryAuthHeader(ctx.req.headers['x-registry-auth']) }, forgetParsed);
}

/** The local names a push covers: name:tag, or every tag of the repository. */
async function pushNames(name: string, tag: string): Promise<string[]> {
  const slash = name.lastIndexOf('/');
  const hasTag = name.lastIndexOf(':') > slash;
  if (tag) return [hasTag ? name : `${name}:${tag}`];
  if (hasTag) return [name];
  const repo = name.replace(/^(?:docker\.io\/library\/|docker\.io\/)/, '');
  const names = (await lc().images.list()).map((i) => i.name).filter((n) => n.slice(0, n.lastIndexOf(':')) === repo).sort();
  if (names.length === 0) throw notFound('stratad', `An image does not exist locally with the tag: ${repo}`);
  return names;
}

async function push(ctx: RouteContext): Promise<void> {
  const name = ctx.params.name ?? '';
  if (!name) throw invalidArgument('stratad', 'push: image name is required');
  const names = await pushNames(name, ctx.query.get('tag') ?? '');
  await pushImage(ctx, lc(), names, decodeRegistryAuthHeader(ctx.req.headers['x-registry-auth']));
}

async function auth(ctx: RouteContext): Promise<void> {
  const { auth: creds, serverAddress } = authBody(await ctx.body());
  const r = await distribution(lc()).login({ server_address: serverAddress, auth: creds, insecure_registries: insecureRegistries() });
  if (!r.ok) {
    ctx.json(401, { message: r.message });
    return;
  }
  ctx.json(200, { Status: r.status, IdentityToken: '' });
}

export const routes: Route[] = [
  { method: 'POST', path: '/images/:name*/push', handler: push },
  { method: 'POST', path: '/auth', handler: auth },
];
