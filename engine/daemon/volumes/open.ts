// The volume side of stratad's start-up: the store under <data-root>/volumes,
// the service (in-use from the container records' mount points) and the
// piece container create/remove call; option mounts left by a crash of a
// container-less volume are unmounted in the background.
import { join } from 'node:path';

import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import type { ContainerStore } from '../containers/store.ts';
import type { DockerEvents } from '../events.ts';
import { ContainerMounts } from './container-mounts.ts';
import { VolumeService } from './service.ts';
import { VolumeStore } from './store.ts';

export interface OpenVolumesOptions {
  dataRoot: string;
  store: ContainerStore;
  lifecycle: LifecycleApi;
  events: DockerEvents;
  log: (msg: string) => void;
}

export function openVolumes(o: OpenVolumesOptions): { volumes: VolumeService; mounts: ContainerMounts; close(): void } {
  const store = new VolumeStore(join(o.dataRoot, 'volumes'));
  const usage = () => {
    const out = new Map<string, string[]>();
    for (const r of o.store.list()) {
      for (const m of r.mounts ?? []) {
        if (m.Type !== 'volume' || !m.Name) continue;
        const ids = out.get(m.Name) ?? [];
        if (!ids.includes(r.id)) ids.push(r.id);
        out.set(m.Name, ids);
      }
    }
    return out;
  };
  const volumes = new VolumeService(store, usage, (action, name) => void o.events.emit('volume', action, name, { driver: 'local' }));
  const mounts = new ContainerMounts({ volumes, lifecycle: o.lifecycle, container: (ref) => o.store.resolve(ref), log: o.log });
  void volumes.reconcile().catch((e: unknown) => o.log(`volumes: ${e instanceof Error ? e.message : String(e)}`));
  return { volumes, mounts, close: () => store.close() };
}
