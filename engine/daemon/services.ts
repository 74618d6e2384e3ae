// What route handlers reach: the daemon's services, set once by main.ts
// before the server listens.  Routes are static `Route[]` lists (see
// http-types.ts), so they look their backend up here; each route file uses
// only the members it needs.
import type { LifecycleClient } from '../lifecycle/client.ts';
import type { ContainerManager } from './containers/manager.ts';
import type { ContainerStore } from './containers/store.ts';
import type { DockerEvents } from './events.ts';
import type { NetworkManager } from './network/manager.ts';
import type { RequestLog } from './request-log.ts';
import type { VolumeService } from './volumes/service.ts';

export interface DaemonPaths {
  dataRoot: string;
  execRoot: string;
  /** lifecycled's gRPC socket. */
  lifecycledSocket: string;
}

export interface Services {
  paths: DaemonPaths;
  /** strata-lifecycled, over gRPC. */
  lifecycle: LifecycleClient;
  /** Docker-level container records: store.resolve(idOrName) for lookups. */
  store: ContainerStore;
  /** Container verbs (create/start/stop/kill/wait/remove) and their state tracking. */
  containers: ContainerManager;
  /** Docker events (from lifecycled's events and stratad's own). */
  events: DockerEvents;
  /** Named and anonymous volumes (local driver). */
  volumes: VolumeService;
  /** Networks, endpoints and published ports. */
  networks?: NetworkManager;
  requests: RequestLog;
  /** When this daemon started (ms). */
  startedAt: number;
}

let current: Services | undefined;

export function setServices(s: Services | undefined): void {
  current = s;
}

export function services(): Services {
  if (!current) throw new Error('stratad: services used before the daemon set them up');
  return current;
}
