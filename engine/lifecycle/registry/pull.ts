// Pull: resolve the reference to a manifest (an index picks the platform),
// fetch the config and the layers (three at a time, each resumable and
// verified by the content store), then store the image through the image
// service's load of an OCI layout made of those blobs (which unpacks the
// layers and checks each diffID).  A failure removes every blob this pull
// committed and the ingests it started, so a corrupted blob leaves nothing.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

import { EngineError, invalidArgument, notFound } from '../../errors.ts';
import { fetchBlob, ingestRef } from './blob-fetch.ts';
import type { DistributionDeps, PullOptions } from './deps.ts';
import { writeLayoutTar, type LayoutBlob } from './layout-tar.ts';
import { checkLayerType, fetchManifest, imageManifest, isIndex, layerCompression, MT, selectPlatform, sha256, type Desc } from './manifest.ts';
import { Channel, limited, progress, shortId, type Progress } from './progress.ts';
import { displayReference, familiarRepository, localName, parsePlatform, parseReference, remoteName } from './reference.ts';
import { RegistrySession, repositoryScope } from './session.ts';
import { BlobSources } from './sources.ts';
import { decompressZstd } from './zstd.ts';

export const PULL_CONCURRENCY = 3;

export function pull(deps: DistributionDeps, o: PullOptions): AsyncIterable<Progress> {
  const ch = new Channel<Progress>();
  run(deps, o, (p) => ch.push(p)).then(
    () => ch.close(),
    (e: unknown) => ch.fail(e),
  );
  return ch;
}

async function run(deps: DistributionDeps, o: PullOptions, emit: (p: Progress) => void): Promise<void> {
  const ref = parseReference(o.ref, o.tag);
  const platform = parsePlatform(o.platform ?? '');
  const ac = new AbortController();
  const onAbort = () => ac.abort();
  o.signal?.addEventListener('abort', onAbort, { once: true });
  const session = new RegistrySession({
    registry: ref.registry, credentials: o.credentials, signal: ac.signal,
    insecureRegistries: [...deps.insecureRegistries, ...(o.insecureRegistries ?? [])],
  });
  const content = deps.content;
  const created: string[] = [];
  const started: Desc[] = [];
  const stage = join(deps.dataRoot, 'tmp', `pull-${process.pid}-${randomBytes(6).toString('hex')}`);
  try {
    await session.connect([repositoryScope(ref.repository, ['pull'])]);
    const top = await fetchManifest(session, ref.repository, ref.digest ?? (ref.tag as string), displayReference(ref));
    // Reported once the reference resolves: an unknown tag is an error before any progress.
    emit(progress({ id: ref.tag ?? ref.digest ?? '', status: `Pulling from ${remoteName(ref)}` }));
    let m = top;
    if (isIndex(top)) {
      const pick = selectPlatform(top, platform, `${familiarRepository(ref)}@${top.digest}`);
      m = await fetchManifest(session, ref.repository, pick.digest);
      if (isIndex(m)) throw invalidArgument('lifecycled', `${familiarRepository(ref)}: nested index ${m.digest} is not supported`);
    }
    const what = `${familiarRepository(ref)}@${m.digest}`;
    const im = imageManifest(m, what);
    for (const l of im.layers) checkLayerType(l, what);
    const name = localName(ref);

    // The config: small, fetched first (its diff_ids are needed for zstd layers).
    if ((await fetchBlob(session, ref.repository, im.config, content)) === 'downloaded') created.push(im.config.digest);
    const config = JSON.parse(content.read(im.config.digest).toString('utf8')) as { rootfs?: { diff_ids?: unknown }; os?: string; architecture?: string };
    const diffIDs = Array.isArray(config.rootfs?.diff_ids) ? (config.rootfs?.diff_ids as string[]) : [];
    if (o.platform && !isIndex(top) && (config.os !== platform.os || config.architecture !== platform.architecture)) {
      throw notFound('lifecycled', `${displayReference(ref)}: the image is for ${config.os ?? '?'}/${config.architecture ?? '?'}, not the requested platform ${o.platform}`);
    }
    if (diffIDs.length !== im.layers.length) throw invalidArgument('lifecycled', `${what}: the config lists ${diffIDs.length} diff_ids for ${im.layers.length} layers`);

    const zstd = im.layers.some((l) => layerCompression(l.mediaType) === 'zstd');
    const layers = im.layers.filter((l, i) => im.layers.findIndex((x) => x.digest === l.digest) === i);
    for (const l of layers) emit(progress({ id: shortId(l.digest), status: content.info(l.digest) ? 'Already exists' : 'Pulling fs layer' }));
    const todo = layers.filter((l) => !content.info(l.digest));
    for (const l of todo.slice(PULL_CONCURRENCY)) emit(progress({ id: shortId(l.digest), status: 'Waiting' }));
    await limited(todo, PULL_CONCURRENCY, async (l) => {
      if (ac.signal.aborted) throw invalidArgument('lifecycled', 'pull cancelled');
      started.push(l);
      const id = shortId(l.digest);
      const r = await fetchBlob(session, ref.repository, l, content, {
        signal: ac.signal,
        onProgress: (current, total) => emit(progress({ id, status: 'Downloading', current, total })),
        onRetry: (attempt, why) => {
          deps.log(`pull ${what}: layer ${l.digest}: attempt ${attempt} failed (${why}); resuming`);
          emit(progress({ id, status: 'Retrying' }));
        },
      }).catch((e: unknown) => {
        ac.abort(); // the other downloads stop now; their partial ingests are dealt with below
        throw e;
      });
      if (r === 'downloaded') created.push(l.digest);
      emit(progress({ id, status: 'Verifying Checksum' }));
      emit(progress({ id, status: 'Download complete' }));
    });

    // What the image service stores: the pulled manifest as is, or (zstd) a
    // manifest over the layers stored uncompressed.
    mkdirSync(stage, { recursive: true, mode: 0o700 });
    let manifest = { mediaType: m.mediaType, digest: m.digest, size: m.bytes.length };
    let manifestBytes = m.bytes;
    const blobs: LayoutBlob[] = [{ digest: im.config.digest, size: im.config.size, path: content.path(im.config.digest) }];
    if (zstd) {
      const newLayers: Desc[] = [];
      for (const [i, l] of im.layers.entries()) {
        if (layerCompression(l.mediaType) !== 'zstd') {
          newLayers.push(l);
          continue;
        }
        const out = join(stage, `layer-${i}.tar`);
        const { digest, size } = await decompressZstd(content.path(l.digest), out);
        if (digest !== diffIDs[i]) throw invalidArgument('lifecycled', `${what}: zstd layer ${l.digest} decompresses to ${digest}, not the diff_id ${diffIDs[i]}: refused`);
        blobs.push({ digest, size, path: out });
        newLayers.push({ mediaType: MT.ociLayerTar, digest, size });
      }
      const doc: Record<string, unknown> = { ...m.doc, mediaType: MT.ociManifest, layers: newLayers.map((l) => ({ mediaType: l.mediaType, digest: l.digest, size: l.size })) };
      if (m.mediaType === MT.dockerManifest) doc.config = { ...(m.doc.config as object), mediaType: MT.ociConfig };
      manifestBytes = Buffer.from(JSON.stringify(doc));
      manifest = { mediaType: MT.ociManifest, digest: sha256(manifestBytes), size: manifestBytes.length };
      for (const l of newLayers) if (!blobs.some((b) => b.digest === l.digest)) blobs.push({ digest: l.digest, size: l.size, path: content.path(l.digest) });
    } else {
      for (const l of layers) blobs.push({ digest: l.digest, size: l.size, path: content.path(l.digest) });
    }
    blobs.push({ digest: manifest.digest, size: manifestBytes.length, bytes: manifestBytes });

    const existing = deps.images.get(name);
    const upToDate = existing?.target.digest === manifest.digest;
    if (!upToDate) {
      for (const l of layers) emit(progress({ id: shortId(l.digest), status: 'Extracting', current: 0, total: l.size }));
      const tar = join(stage, 'image.tar');
      await writeLayoutTar(tar, manifest, name, blobs);
      await deps.images.load(tar);
      // The image holds zstd layers uncompressed: their compressed blobs are no one's now.
      if (zstd && content.remove) {
        const stored = new Set(blobs.map((b) => b.digest));
        content.remove(created.filter((d) => !stored.has(d) && !referenced(deps, d)));
      }
      for (const l of layers) if (created.includes(l.digest)) emit(progress({ id: shortId(l.digest), status: 'Pull complete' }));
    }
    try {
      new BlobSources(deps.dataRoot).add(ref.registry, ref.repository, [im.config.digest, ...layers.map((l) => l.digest)]);
    } catch (e) {
      deps.log(`pull: cannot note blob sources: ${e instanceof Error ? e.message : String(e)}`);
    }
    emit(progress({ status: 'done', digest: top.digest, image: name, detail: upToDate ? 'uptodate' : 'downloaded' }));
  } catch (e) {
    // Verification failures and refusals keep nothing; a network failure keeps
    // the partial downloads (ingests) so the next pull resumes them.
    const keepIngests = e instanceof EngineError && e.errorClass === 'Unavailable';
    if (!keepIngests) for (const l of started) await content.abort(ingestRef(l.digest)).catch(() => undefined);
    if (created.length > 0 && content.remove) {
      const still = created.filter((d) => !referenced(deps, d));
      content.remove(still);
    }
    throw e;
  } finally {
    o.signal?.removeEventListener('abort', onAbort);
    rmSync(stage, { recursive: true, force: true });
  }
}

/** Is the blob part of an image stored meanwhile (another pull of the same layer)? */
function referenced(deps: DistributionDeps, digest: string): boolean {
  for (const img of deps.images.list()) {
    if (img.target.digest === digest) return true;
    try {
      const doc = JSON.parse(deps.content.read(img.target.digest).toString('utf8')) as { config?: { digest?: string }; layers?: { digest?: string }[] };
      if (doc.config?.digest === digest || doc.layers?.some((l) => l.digest === digest)) return true;
    } catch {
      /* unreadable manifest: not a user of this blob */
    }
  }
  return false;
}
