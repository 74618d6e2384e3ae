// Images: list, inspect, history, tag, remove, load, save, import, prune.
// lifecycled stores images by name (images.import/load/list/get/remove/tag);
// Docker's IDs, configs and layers come from its content store through
// Content.Read (images/model.ts).
import type { Readable } from 'node:stream';

import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { conflict, invalidArgument, isEngineError } from '../../errors.ts';
import type { Route, RouteContext } from '../http-types.ts';
import { allImages, forgetParsed, resolveImage, unixSeconds, type ImageDetails } from '../images/model.ts';
import { createFromImage } from './distribution.ts';
import { saveArchive, type SaveItem } from '../images/save.ts';
import { withSpooled } from '../images/tempfile.ts';
import { commonHeaders } from '../server.ts';
import { backend } from '../streams/backend.ts';

const lc = (): LifecycleApi => backend().lifecycle();
const short = (id: string) => id.replace(/^sha256:/, '').slice(0, 12);

function labelsOf(i: ImageDetails): Record<string, string> {
  const l = i.config.config?.Labels;
  return l && typeof l === 'object' ? (l as Record<string, string>) : {};
}

function createdOf(i: ImageDetails): string {
  return i.config.created ?? i.records[0]?.created_at ?? new Date(0).toISOString();
}

function summary(i: ImageDetails): object {
  return {
    Id: i.id, ParentId: '', RepoTags: i.names, RepoDigests: [], Created: unixSeconds(i.config.created, i.records[0]?.created_at ?? ''),
    Size: i.size, SharedSize: -1, VirtualSize: i.size, Labels: labelsOf(i), Containers: -1,
  };
}

/** Filters JSON {"key":{"v":true}} or {"key":["v"]} as key -> values. */
function parseFilters(raw: string | null): Map<string, string[]> {
  const out = new Map<string, string[]>();
  if (!raw) return out;
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    throw invalidArgument('stratad', `invalid filters: ${raw}`);
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalidArgument('stratad', 'invalid filters: want a JSON object');
  for (const [k, val] of Object.entries(v as Record<string, unknown>)) {
    if (Array.isArray(val)) out.set(k, val.map(String));
    else if (val && typeof val === 'object') out.set(k, Object.keys(val));
    else throw invalidArgument('stratad', `invalid filter ${k}`);
  }
  return out;
}

function globRe(pattern: string): RegExp {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`);
}

function matchesFilters(i: ImageDetails, f: Map<string, string[]>): boolean {
  for (const [k, vals] of f) {
    if (k === 'dangling') {
      const want = vals.includes('true') || vals.includes('1');
      if (want !== (i.names.length === 0)) return false;
    } else if (k === 'reference') {
      const ok = vals.some((p) => {
        const re = globRe(p);
        return i.names.some((n) => re.test(n) || re.test(n.slice(0, n.lastIndexOf(':'))));
      });
      if (!ok) return false;
    } else if (k === 'label') {
      const labels = labelsOf(i);
      const ok = vals.every((l) => {
        const eq = l.indexOf('=');
        return eq < 0 ? l in labels : labels[l.slice(0, eq)] === l.slice(eq + 1);
      });
      if (!ok) return false;
    } else if (k !== 'before' && k !== 'since' && k !== 'until') {
      throw invalidArgument('stratad', `invalid filter '${k}'`);
    }
  }
  return true;
}

async function list(ctx: RouteContext): Promise<void> {
  const f = parseFilters(ctx.query.get('filters'));
  const images = (await allImages(lc())).filter((i) => matchesFilters(i, f));
  images.sort((a, b) => createdOf(b).localeCompare(createdOf(a)));
  ctx.json(200, images.map(summary));
}

async function inspect(ctx: RouteContext): Promise<void> {
  const { image: i } = await resolveImage(lc(), ctx.params.name ?? '');
  const c = i.config.config ?? {};
  ctx.json(200, {
    Id: i.id,
    RepoTags: i.names,
    RepoDigests: [],
    Parent: '',
    Comment: i.config.history?.at(-1)?.comment ?? '',
    Created: createdOf(i),
    DockerVersion: '',
    Author: i.config.author ?? '',
    Config: {
      Hostname: '', Domainname: '', User: '', AttachStdin: false, AttachStdout: false, AttachStderr: false, Tty: false, OpenStdin: false, StdinOnce: false,
      Env: null, Cmd: null, Image: '', Volumes: null, WorkingDir: '', Entrypoint: null, OnBuild: null, Labels: null,
      ...c,
    },
    Architecture: i.config.architecture ?? '',
    ...(i.config.variant ? { Variant: i.config.variant } : {}),
    Os: i.config.os ?? 'linux',
    Size: i.size,
    VirtualSize: i.size,
    GraphDriver: { Name: 'overlay2', Data: null },
    RootFS: { Type: 'layers', Layers: i.config.rootfs?.diff_ids ?? [] },
    Metadata: { LastTagTime: i.records[0]?.created_at ?? '0001-01-01T00:00:00Z' },
    Descriptor: { mediaType: i.manifestMediaType, digest: i.manifestDigest, size: i.manifestSize },
  });
}

async function history(ctx: RouteContext): Promise<void> {
  const { image: i } = await resolveImage(lc(), ctx.params.name ?? '');
  const hist = i.config.history ?? [];
  let layer = 0;
  const rows = hist.map((h) => {
    const size = h.empty_layer ? 0 : (i.layers[layer++]?.size ?? 0);
    return { Id: '<missing>', Created: unixSeconds(h.created, createdOf(i)), CreatedBy: h.created_by ?? '', Tags: null as string[] | null, Size: size, Comment: h.comment ?? '' };
  });
  rows.reverse();
  if (rows[0]) Object.assign(rows[0], { Id: i.id, Tags: i.names });
  else rows.push({ Id: i.id, Created: unixSeconds(i.config.created, createdOf(i)), CreatedBy: '', Tags: i.names, Size: i.size, Comment: '' });
  ctx.json(200, rows);
}

/** repo + tag query params -> a lifecycled name ("repo:tag"; a tag may ride inside repo). */
function nameOf(repo: string | null, tag: string | null): string {
  if (!repo) throw invalidArgument('stratad', 'repository name is required');
  const slash = repo.lastIndexOf('/');
  const hasTag = repo.lastIndexOf(':') > slash;
  if (tag) {
    if (hasTag) throw invalidArgument('stratad', `refusing to create a tag with a digest or tag in the repository name: ${repo}`);
    return `${repo}:${tag}`;
  }
  return hasTag ? repo : `${repo}:latest`;
}

async function tag(ctx: RouteContext): Promise<void> {
  const { image } = await resolveImage(lc(), ctx.params.name ?? '');
  const name = nameOf(ctx.query.get('repo'), ctx.query.get('tag'));
  const source = image.names[0];
  if (!source) throw invalidArgument('stratad', `image ${ctx.params.name ?? ''} has no name to tag from`);
  await lc().images.tag(source, name);
  forgetParsed();
  ctx.empty(201);
}

async function remove(ctx: RouteContext): Promise<void> {
  const ref = ctx.params.name ?? '';
  const force = ['1', 'true'].includes((ctx.query.get('force') ?? '').toLowerCase());
  const { image, name } = await resolveImage(lc(), ref);
  const names = name ? [name] : image.names;
  if (!name && names.length > 1 && !force) {
    throw conflict('stratad', `conflict: unable to delete ${short(image.id)} (must be forced) - image is referenced in multiple repositories`);
  }
  const lastRef = names.length === image.names.length;
  if (lastRef) {
    const users = backend().list().filter((c) => image.names.includes(c.imageRef) || c.imageId === image.manifestDigest || c.imageId === image.id);
    if (users.length > 0 && !(force && users.every((u) => u.state.Status !== 'running'))) {
      const u = users[0] as { id: string; state: { Status: string } };
      throw conflict('stratad', name
        ? `conflict: unable to remove repository reference "${ref}" (must force) - container ${short(u.id)} is using its referenced image ${short(image.id)}`
        : `conflict: unable to delete ${short(image.id)} (${u.state.Status === 'running' ? 'cannot be forced' : 'must be forced'}) - image is being used by ${u.state.Status === 'running' ? 'running ' : 'stopped '}container ${short(u.id)}`);
    }
  }
  const out: object[] = [];
  for (const n of names) {
    try {
      await lc().images.remove(n);
    } catch (e) {
      if (isEngineError(e, 'FailedPrecondition')) throw conflict('stratad', `conflict: unable to remove ${n}: ${e.message}`);
      throw e;
    }
    out.push({ Untagged: n });
  }
  if (lastRef) out.push({ Deleted: image.id });
  forgetParsed();
  ctx.json(200, out);
}

function startJsonStream(ctx: RouteContext): void {
  ctx.res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/json' });
  ctx.res.flushHeaders();
}

async function load(ctx: RouteContext): Promise<void> {
  const loaded = await withSpooled(ctx.rawBody(), 'load.tar', async (path, size) => {
    if (size === 0) throw invalidArgument('stratad', 'empty archive: nothing to load');
    return lc().images.load(path);
  });
  forgetParsed();
  startJsonStream(ctx);
  for (const img of loaded) ctx.res.write(`${JSON.stringify({ stream: `Loaded image: ${img.name}\n` })}\n`);
  ctx.res.end();
}

async function saveItems(refs: string[]): Promise<SaveItem[]> {
  if (refs.length === 0) throw invalidArgument('stratad', 'no image names given (names=...)');
  const byId = new Map<string, SaveItem>();
  for (const ref of refs) {
    const { image, name } = await resolveImage(lc(), ref);
    const item = byId.get(image.id) ?? { image, tags: [] };
    const tags = name ? [name] : image.names;
    for (const t of tags) if (!item.tags.includes(t)) item.tags.push(t);
    byId.set(image.id, item);
  }
  return [...byId.values()];
}

async function sendArchive(ctx: RouteContext, items: SaveItem[]): Promise<void> {
  const tar: Readable = saveArchive(lc(), items);
  ctx.res.writeHead(200, { ...commonHeaders(), 'Content-Type': 'application/x-tar' });
  await new Promise<void>((resolve) => {
    tar.on('error', () => {
      ctx.res.destroy();
      resolve();
    });
    ctx.res.on('close', resolve);
    tar.pipe(ctx.res);
  });
}

async function saveMany(ctx: RouteContext): Promise<void> {
  const refs = ctx.query.getAll('names').flatMap((n) => n.split(',')).filter((n) => n !== '');
  await sendArchive(ctx, await saveItems(refs));
}

async function saveOne(ctx: RouteContext): Promise<void> {
  await sendArchive(ctx, await saveItems([ctx.params.name ?? '']));
}

async function create(ctx: RouteContext): Promise<void> {
  const q = ctx.query;
  if (q.get('fromImage')) return createFromImage(ctx);
  const src = q.get('fromSrc');
  if (src === null) throw invalidArgument('stratad', 'fromImage or fromSrc is required');
  if (src !== '-') throw invalidArgument('stratad', 'import from a URL is not supported: send the archive as the body (fromSrc=-)');
  const name = nameOf(q.get('repo'), q.get('tag'));
  const img = await withSpooled(ctx.rawBody(), 'rootfs.tar', async (path, size) => {
    if (size === 0) throw invalidArgument('stratad', 'empty archive: nothing to import');
    return lc().images.import(path, name);
  });
  forgetParsed();
  const { image } = await resolveImage(lc(), img.name);
  startJsonStream(ctx);
  ctx.res.end(`${JSON.stringify({ status: image.id })}\n`);
}

async function prune(ctx: RouteContext): Promise<void> {
  const f = parseFilters(ctx.query.get('filters'));
  const dangling = f.get('dangling') ?? ['true'];
  const deleted: object[] = [];
  let reclaimed = 0;
  // lifecycled images always have a name, so nothing is dangling; dangling=false prunes unused images.
  if (dangling.includes('false') || dangling.includes('0')) {
    const used = backend().list();
    for (const i of await allImages(lc())) {
      if (used.some((c) => i.names.includes(c.imageRef) || c.imageId === i.manifestDigest || c.imageId === i.id)) continue;
      try {
        for (const n of i.names) {
          await lc().images.remove(n);
          deleted.push({ Untagged: n });
        }
        deleted.push({ Deleted: i.id });
        reclaimed += i.size;
      } catch {
        /* in use by something lifecycled knows of: kept */
      }
    }
    forgetParsed();
  }
  ctx.json(200, { ImagesDeleted: deleted.length ? deleted : null, SpaceReclaimed: reclaimed });
}

export const routes: Route[] = [
  { method: 'GET', path: '/images/json', handler: list },
  { method: 'GET', path: '/images/get', handler: saveMany },
  { method: 'POST', path: '/images/load', handler: load },
  { method: 'POST', path: '/images/create', handler: create },
  { method: 'POST', path: '/images/prune', handler: prune },
  { method: 'GET', path: '/images/:name*/json', handler: inspect },
  { method: 'GET', path: '/images/:name*/history', handler: history },
  { method: 'GET', path: '/images/:name*/get', handler: saveOne },
  { method: 'POST', path: '/images/:name*/tag', handler: tag },
  { method: 'DELETE', path: '/images/:name*', handler: remove },
];
