// Push: a local image's layers and config to the registry (existence check,
// mount from a repository known to hold the blob, or upload; three at a
// time), then the manifest under the tag.
import { invalidArgument, notFound } from '../../errors.ts';
import { uploadBlob, type UploadResult } from './blob-upload.ts';
import type { DistributionDeps, PushOptions } from './deps.ts';
import { readBody } from './http.ts';
import { imageManifest, isIndex, type FetchedManifest } from './manifest.ts';
import { Channel, limited, progress, shortId, type Progress } from './progress.ts';
import { DOCKER_HUB, familiarRepository, parseReference } from './reference.ts';
import { RegistrySession, repositoryScope } from './session.ts';
import { BlobSources } from './sources.ts';

export const PUSH_CONCURRENCY = 3;

function chunkSize(): number {
  const v = Number(process.env.STRATA_PUSH_CHUNK_BYTES);
  return Number.isSafeInteger(v) && v > 0 ? v : 8 << 20;
}

export function push(deps: DistributionDeps, o: PushOptions): AsyncIterable<Progress> {
  const ch = new Channel<Progress>();
  run(deps, o, (p) => ch.push(p)).then(
    () => ch.close(),
    (e: unknown) => ch.fail(e),
  );
  return ch;
}

async function run(deps: DistributionDeps, o: PushOptions, emit: (p: Progress) => void): Promise<void> {
  const ref = parseReference(o.name, o.tag || undefined);
  if (ref.digest || !ref.tag) throw invalidArgument('lifecycled', `push ${o.name}: push a tag, not a digest`);
  const local = `${familiarRepository(ref)}:${ref.tag}`;
  const record = deps.images.get(local);
  if (!record) throw notFound('lifecycled', `An image does not exist locally with the tag: ${familiarRepository(ref)}`);
  const bytes = deps.content.read(record.target.digest);
  const doc = JSON.parse(bytes.toString('utf8')) as Record<string, unknown>;
  const m: FetchedManifest = { mediaType: record.target.mediaType, digest: record.target.digest, bytes, doc };
  if (isIndex(m)) throw invalidArgument('lifecycled', `push ${local}: the image is an index; strata pushes single-platform images`);
  const im = imageManifest(m, local);
  const sources = new BlobSources(deps.dataRoot);
  const mountFrom = new Map<string, string[]>();
  for (const d of [im.config, ...im.layers]) mountFrom.set(d.digest, sources.of(ref.registry, d.digest).filter((r) => r !== ref.repository).slice(0, 3));
  const fromRepos = [...new Set([...mountFrom.values()].flat())];
  const session = new RegistrySession({
    registry: ref.registry, credentials: o.credentials, signal: o.signal,
    insecureRegistries: [...deps.insecureRegistries, ...(o.insecureRegistries ?? [])],
  });
  await session.connect([repositoryScope(ref.repository, ['pull', 'push']), ...fromRepos.map((r) => repositoryScope(r, ['pull']))]);
  const shown = ref.registry === DOCKER_HUB ? `docker.io/${ref.repository}` : `${ref.registry}/${ref.repository}`;
  emit(progress({ status: `The push refers to repository [${shown}]` }));
  const layers = im.layers.filter((l, i) => im.layers.findIndex((x) => x.digest === l.digest) === i).reverse();
  for (const l of layers) emit(progress({ id: shortId(l.digest), status: 'Preparing' }));
  for (const l of layers.slice(PUSH_CONCURRENCY)) emit(progress({ id: shortId(l.digest), status: 'Waiting' }));
  const size = chunkSize();
  const say = (r: UploadResult) => (r.kind === 'exists' ? 'Layer already exists' : r.kind === 'mounted' ? `Mounted from ${r.from}` : 'Pushed');
  await limited(layers, PUSH_CONCURRENCY, async (l) => {
    const id = shortId(l.digest);
    const r = await uploadBlob(session, ref.repository, l, deps.content.path(l.digest), {
      chunkSize: size, mountFrom: mountFrom.get(l.digest),
      onProgress: (current, total) => emit(progress({ id, status: 'Pushing', current, total })),
    });
    emit(progress({ id, status: say(r) }));
  });
  await uploadBlob(session, ref.repository, im.config, deps.content.path(im.config.digest), { chunkSize: size, mountFrom: mountFrom.get(im.config.digest) });
  const res = await session.request('PUT', `/v2/${ref.repository}/manifests/${ref.tag}`, {
    headers: { 'Content-Type': m.mediaType, 'Content-Length': String(bytes.length) },
    body: bytes,
  });
  if (res.statusCode !== 201) return session.fail(res, `PUT manifest ${ref.repository}:${ref.tag}`);
  await readBody(res, 1 << 20);
  try {
    sources.add(ref.registry, ref.repository, [im.config.digest, ...layers.map((l) => l.digest)]);
  } catch (e) {
    deps.log(`push: cannot note blob sources: ${e instanceof Error ? e.message : String(e)}`);
  }
  emit(progress({ status: 'done', digest: m.digest, detail: ref.tag, size: bytes.length }));
}
