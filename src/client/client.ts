// The strata Engine API client, dockerode-shaped: one object, a group per
// resource, promises with typed results. Speaks only the documented Engine
// API, so it works against stratad and against dockerd alike.
//
//   const c = new Client({ host: 'unix:///run/strata/strata.sock' });
//   const { Id } = await c.containers.create({ Image: 'busybox', Cmd: ['true'] });
//   await c.containers.start(Id);
import { Containers } from './containers.ts';
import { Execs } from './exec.ts';
import { Images } from './images.ts';
import { Networks } from './networks.ts';
import { System } from './system.ts';
import { Transport, type ClientOptions } from './transport.ts';
import { Volumes } from './volumes.ts';

export class Client {
  readonly transport: Transport;
  readonly containers: Containers;
  readonly exec: Execs;
  readonly images: Images;
  readonly volumes: Volumes;
  readonly networks: Networks;
  readonly system: System;

  constructor(options: ClientOptions = {}) {
    this.transport = new Transport(options);
    this.containers = new Containers(this.transport);
    this.exec = new Execs(this.transport);
    this.images = new Images(this.transport);
    this.volumes = new Volumes(this.transport);
    this.networks = new Networks(this.transport);
    this.system = new System(this.transport);
  }

  /** The negotiated API version. */
  apiVersion(): Promise<string> {
    return this.transport.apiVersion();
  }

  /** Drop pooled connections (lets the process exit without waiting). */
  close(): void {
    this.transport.close();
  }
}
