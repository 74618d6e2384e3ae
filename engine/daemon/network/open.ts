// Networking's place in stratad's start-up: the store, the manager, the
// start-time clean-up (network/manager.ts init) and shutdown.  Kernel objects
// stay when stratad stops: containers keep their network and published ports.
import type { ContainerStore } from '../containers/store.ts';
import type { DockerEvents } from '../events.ts';
import { NetworkManager } from './manager.ts';
import type { NetworkOptions } from './options.ts';
import { NetworkStore } from './store.ts';

export interface OpenedNetworks {
  manager: NetworkManager;
  close(): void;
}

export async function openNetworks(o: { dataRoot: string; execRoot: string; containers: ContainerStore; options: NetworkOptions; events: DockerEvents; log: (m: string) => void }): Promise<OpenedNetworks> {
  const store = new NetworkStore(o.dataRoot);
  const manager = new NetworkManager({
    store, containers: o.containers, dataRoot: o.dataRoot, execRoot: o.execRoot, options: o.options, log: o.log,
    event: (action, net, extra = {}) => o.events.emit('network', action, net.Id, { name: net.Name, ...extra }),
  });
  try {
    await manager.init();
  } catch (e) {
    // Not fatal: the API still answers; networked containers fail at start with the cause.
    o.log(`network: start-up clean-up failed: ${e instanceof Error ? e.message : String(e)}`);
  }
  return { manager, close: () => store.close() };
}
