// What container create and remove ask of the volume side (the manager
// calls these three and nothing else):
//   prepare  -> the body's mount requests + the image's VOLUMEs as MountPoints,
//               volumes created and mounted, with an undo for a failed create;
//   copyUp   -> after lifecycled made the container's snapshot: the image's
//               files into empty volumes (mounted read-only on a temp dir);
//   release  -> at remove: option mounts unmounted when unused, anonymous
//               volumes removed when asked (rm -v, AutoRemove).
import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { isEngineError } from '../../errors.ts';
import type { ContainerRecord } from '../containers/types.ts';
import { resolveImage } from '../images/model.ts';
import { withRoot } from '../streams/rootfs.ts';
import { copyUp, wantsCopy } from './copy-up.ts';
import { parseMountSpecs } from './mount-spec.ts';
import { prepareMounts, type PreparedMounts } from './mounts.ts';
import type { VolumeService } from './service.ts';
import type { MountPoint } from './types.ts';

export interface ContainerMountsDeps {
  volumes: VolumeService;
  lifecycle: LifecycleApi;
  container(ref: string): ContainerRecord;
  log(msg: string): void;
}

export class ContainerMounts {
  /** Image VOLUMEs by manifest digest (content-addressed, so never stale). */
  private readonly imageVolumeCache = new Map<string, string[]>();

  constructor(private readonly d: ContainerMountsDeps) {}

  /** The image config's Volumes (its VOLUME lines), [] when it has none or cannot be read. */
  private async imageVolumes(imageRef: string, digest: string): Promise<string[]> {
    const hit = this.imageVolumeCache.get(digest);
    if (hit) return hit;
    try {
      const { image } = await resolveImage(this.d.lifecycle, imageRef);
      const v = image.config.config?.Volumes;
      const out = v && typeof v === 'object' ? Object.keys(v).filter((p) => p.startsWith('/')) : [];
      if (image.manifestDigest === digest) this.imageVolumeCache.set(digest, out);
      return out;
    } catch (e) {
      if (!isEngineError(e, 'NotFound')) this.d.log(`image ${imageRef}: reading its VOLUMEs: ${e instanceof Error ? e.message : String(e)}`);
      return [];
    }
  }

  /** image: lifecycled's name and manifest digest of the container's image. */
  async prepare(config: Record<string, unknown>, hostConfig: Record<string, unknown>, image: { ref: string; digest: string }): Promise<PreparedMounts> {
    const specs = parseMountSpecs(hostConfig, config);
    return prepareMounts({ volumes: this.d.volumes, container: this.d.container }, specs, await this.imageVolumes(image.ref, image.digest));
  }

  async copyUp(lcId: string, points: MountPoint[]): Promise<void> {
    const todo = wantsCopy(points);
    if (todo.length === 0) return;
    await withRoot(this.d.lifecycle, lcId, (root) => copyUp(todo, root));
  }

  /** After the record is gone from the store (so it no longer counts as a user). */
  async release(points: MountPoint[], removeAnonymous: boolean): Promise<void> {
    for (const p of points) {
      if (p.Type !== 'volume' || !p.Name) continue;
      try {
        if (removeAnonymous && p.anonymous) await this.d.volumes.removeIfUnused(p.Name);
        else await this.d.volumes.release(p.Name);
      } catch (e) {
        this.d.log(`volume ${p.Name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
  }
}
