// Wiring of strata-lifecycled (containerd's builtins, but explicit): the
// database, the event exchange, the image side, containers, tasks, recovery,
// then the gRPC server on <exec-root>/lifecycled.sock (mode 0600).  Stop
// closes the server and the database and leaves every shim and container
// running.
import * as grpc from '@grpc/grpc-js';
import { chmodSync, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';

import type { LifecycleApi } from './api-types.ts';
import { unavailable } from '../errors.ts';
import { ContainerService } from './containers/service.ts';
import { EventExchange } from './events/exchange.ts';
import { addServices } from './grpc/server.ts';
import type { ImageService } from './images/types.ts';
import { localApi } from './local.ts';
import { Layout, type Roots } from './paths.ts';
import { Recovery } from './recovery.ts';
import { ContainerStore } from './store/containers.ts';
import { type Db, openDatabase } from './store/db.ts';
import { TaskStore } from './store/tasks.ts';
import { TaskManager } from './tasks/manager.ts';
import { clientShimDriver } from './tasks/shim.ts';
import { createImageService } from './images/index.ts';
import { createDistribution } from './registry/index.ts';
import type { ShimDriver } from './tasks/shim-types.ts';
import { socketAnswers } from '../unix-socket.ts';

export { socketAnswers };

export interface DaemonOptions extends Roots {
  runtime: string;
  shim: string;
  cgroupParent?: string;
  /** --insecure-registry: host:port or host allowed plain HTTP (loopback always is). */
  insecureRegistries?: string[];
  log?: (msg: string) => void;
  /** The image side (tests pass a fake); by default createImageService from images/index.ts. */
  images?: (opts: { dataRoot: string; db: Db; events: (topic: string, payload: object) => void }) => ImageService | Promise<ImageService>;
  shims?: ShimDriver;
}

export interface Daemon {
  api: LifecycleApi;
  socket: string;
  events: EventExchange;
  stop(): Promise<void>;
}

/** Is something answering on this socket (another daemon on the same exec root, or the tests' started one)? */
function bind(server: grpc.Server, socket: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.bindAsync(`unix:${socket}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve()));
  });
}

export async function startDaemon(opts: DaemonOptions): Promise<Daemon> {
  const log = opts.log ?? ((msg: string) => process.stderr.write(`strata-lifecycled: ${msg}\n`));
  const layout = new Layout(opts);
  mkdirSync(layout.execRoot, { recursive: true, mode: 0o700 });
  mkdirSync(layout.tasksDir, { recursive: true, mode: 0o711 });
  // Runtime roots are per task, so strata-runtime keeps what it compiles once
  // (seccomp programs) here instead; shims and runtimes inherit it.
  process.env.STRATA_RUNTIME_CACHE = join(layout.execRoot, 'runtime-cache');
  if (existsSync(layout.socket)) {
    if (await socketAnswers(layout.socket)) throw unavailable('lifecycled', `another strata-lifecycled serves ${layout.socket}`);
    unlinkSync(layout.socket); // left by a daemon that was killed
  }
  const db = openDatabase(layout.dataRoot);
  const events = new EventExchange();
  const images = await (opts.images ?? createImageService)({ dataRoot: layout.dataRoot, db, events: events.publish });
  const report = images.reconcile?.();
  if (report && (report.removedFiles.length || report.removedRows.length)) log(`images: reconciled: removed ${report.removedFiles.length} files, ${report.removedRows.length} rows`);
  const containerStore = new ContainerStore(db);
  const taskStore = new TaskStore(db);
  const shims = opts.shims ?? clientShimDriver;
  const manager = new TaskManager({ layout, db, containers: containerStore, tasks: taskStore, images, publish: events.publish, shims, shimPath: opts.shim, log });
  const containers = new ContainerService({
    layout, containers: containerStore, images, publish: events.publish, hasTask: (id) => manager.hasTask(id),
    defaultRuntime: opts.runtime, cgroupParent: opts.cgroupParent ?? '/strata', log,
  });
  await new Recovery({ layout, containers: containerStore, tasks: taskStore, images, shims, manager, defaultRuntime: opts.runtime, log }).run();
  const api = localApi({ runtime: opts.runtime, containers, tasks: manager, events, images, hasContainer: (id) => containerStore.get(id) !== undefined });
  if (images.content) api.distribution = createDistribution({ images, dataRoot: layout.dataRoot, insecureRegistries: opts.insecureRegistries, log });
  const server = new grpc.Server({ 'grpc.max_receive_message_length': 64 * 1024 * 1024 });
  addServices(server, api);
  await bind(server, layout.socket);
  chmodSync(layout.socket, 0o600);
  log(`serving on ${layout.socket} (data root ${layout.dataRoot})`);
  let stopped = false;
  return {
    api,
    socket: layout.socket,
    events,
    stop: async () => {
      if (stopped) return;
      stopped = true;
      manager.close();
      await new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 2000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      });
      db.close();
      try {
        unlinkSync(layout.socket);
      } catch {
        /* already gone */
      }
    },
  };
}
