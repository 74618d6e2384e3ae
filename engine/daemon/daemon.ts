// stratad's start-up and shutdown: the container store, the lifecycled client,
// the event watch (lifecycled's task events -> container state, Docker
// events), reconciliation with lifecycled's tasks, and the HTTP servers.
// Stopping it leaves every container running (they belong to lifecycled's shims).
import type { Server } from 'node:http';

import { connect } from '../lifecycle/client.ts';
import type { EngineError } from '../errors.ts';
import { ContainerManager } from './containers/manager.ts';
import { ContainerStore } from './containers/store.ts';
import { DockerEvents } from './events.ts';
import { listen, makeServer, type ListenSpec, type TlsFiles } from './listen.ts';
import { DEFAULT_NETWORK_OPTIONS, type NetworkOptions } from './network/options.ts';
import { openNetworks } from './network/open.ts';
import { RequestLog } from './request-log.ts';
import { allRoutes } from './routes/index.ts';
import { installHandlers } from './server.ts';
import { setServices, type Services } from './services.ts';
import { openVolumes } from './volumes/open.ts';

export interface DaemonOptions {
  dataRoot: string;
  execRoot: string;
  lifecycledSocket: string;
  hosts: ListenSpec[];
  tls?: TlsFiles;
  insecureTcp?: boolean;
  /** Bridge, subnet, nft table, veth prefix (network/options.ts). */
  network?: NetworkOptions;
  log?: (msg: string) => void;
}

export interface Daemon {
  services: Services;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const LIFECYCLED_DOWN = /No connection established|ECONNREFUSED|ENOENT|failed to connect|Connection dropped|connect /i;

export function describeError(socket: string): (e: EngineError) => string {
  return (e) => {
    if (e.errorClass === 'Unavailable' && e.layer === 'lifecycled' && LIFECYCLED_DOWN.test(e.message) && !e.message.startsWith('strata-lifecycled')) {
      return `strata-lifecycled is not reachable at unix://${socket}: ${e.message}`;
    }
    return e.message;
  };
}

export async function startStratad(opts: DaemonOptions): Promise<Daemon> {
  const log = opts.log ?? ((m: string) => process.stderr.write(`stratad: ${m}\n`));
  const store = new ContainerStore(opts.dataRoot);
  const lifecycle = connect(opts.lifecycledSocket);
  const events = new DockerEvents();
  const vols = openVolumes({ dataRoot: opts.dataRoot, store, lifecycle, events, log });
  const nets = await openNetworks({ dataRoot: opts.dataRoot, execRoot: opts.execRoot, containers: store, options: opts.network ?? DEFAULT_NETWORK_OPTIONS, events, log });
  const containers = new ContainerManager({ lifecycle, store, events, dataRoot: opts.dataRoot, log, mounts: vols.mounts, network: nets.manager });
  const requests = new RequestLog(2000);
  const services: Services = {
    paths: { dataRoot: opts.dataRoot, execRoot: opts.execRoot, lifecycledSocket: opts.lifecycledSocket },
    lifecycle, store, containers, events, volumes: vols.volumes, networks: nets.manager, requests, startedAt: Date.now(),
  };
  setServices(services);
  const abort = new AbortController();
  const watching = watch(services, abort.signal, log);

  const servers: Server[] = [];
  try {
    for (const spec of opts.hosts) {
      const server = makeServer(spec, opts.tls, opts.insecureTcp === true);
      installHandlers(server, { routes: allRoutes, log: requests, describeError: describeError(opts.lifecycledSocket), warn: log });
      await listen(server, spec);
      servers.push(server);
      log(`listening on ${spec.kind === 'unix' ? `unix://${spec.path}` : `tcp://${spec.host}:${spec.port}`}`);
    }
  } catch (e) {
    for (const s of servers) s.close();
    abort.abort();
    containers.close();
    lifecycle.close();
    vols.close();
    nets.close();
    store.close();
    throw e;
  }

  return {
    services,
    async stop() {
      abort.abort();
      containers.close();
      await Promise.all(servers.map((s) => new Promise<void>((resolve) => {
        s.close(() => resolve());
        s.closeAllConnections?.();
      })));
      await watching.catch(() => undefined);
      lifecycle.close();
      vols.close();
      nets.close();
      store.close();
      setServices(undefined);
    },
  };
}

/**
 * Follow lifecycled's task events for as long as we run; on every (re)connect
 * reconcile with its task list, replaying events since the last one seen so
 * an exit during a lifecycled restart is not lost.
 */
async function watch(s: Services, signal: AbortSignal, log: (m: string) => void): Promise<void> {
  let sinceMs = Date.now();
  let lastTs = '';
  let lastSeq = -1;
  let reported = false;
  while (!signal.aborted) {
    try {
      await s.lifecycle.version();
      const stream = s.lifecycle.events.subscribe(['/tasks/'], sinceMs, signal);
      const iterator = stream[Symbol.asyncIterator]();
      const first = iterator.next();
      await s.containers.reconcile();
      if (reported) log('strata-lifecycled is back');
      reported = false;
      for (let r = await first; !r.done; r = await iterator.next()) {
        const env = r.value;
        if (env.timestamp < lastTs || (env.timestamp === lastTs && env.seq <= lastSeq)) continue;
        lastTs = env.timestamp;
        lastSeq = env.seq;
        sinceMs = Date.parse(`${env.timestamp.slice(0, 23)}Z`) || sinceMs;
        s.containers.handleEnvelope(env);
      }
    } catch (e) {
      if (signal.aborted) return;
      if (!reported) log(`strata-lifecycled event stream: ${e instanceof Error ? e.message : String(e)} (retrying)`);
      reported = true;
    }
    await sleep(500);
  }
}
