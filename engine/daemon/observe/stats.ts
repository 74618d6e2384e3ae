// GET /strata/stats: every running container's cgroup usage from lifecycled's
// Tasks.Metrics, sampled once a second by one poller however many clients
// follow (it runs only while someone does).
import { availableParallelism } from 'node:os';

import type { LifecycleClient } from '../../lifecycle/client.ts';
import type { ContainerStore } from '../containers/store.ts';
import { untraced } from '../trace/request.ts';
import type { StatsSample } from '../strata-api.ts';

export type { StatsSample };

const PERIOD_MS = 1000;

export class StatsPoller {
  private readonly followers = new Set<(s: StatsSample) => void>();
  /** container -> the previous CPU reading, for cpuPercent. */
  private readonly prev = new Map<string, { cpuNs: number; at: bigint }>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly client: LifecycleClient, private readonly store: ContainerStore) {}

  follow(f: (s: StatsSample) => void): () => void {
    this.followers.add(f);
    if (!this.timer) untraced(() => this.schedule(0));
    return () => {
      this.followers.delete(f);
      if (this.followers.size === 0 && this.timer) {
        clearTimeout(this.timer);
        this.timer = undefined;
      }
    };
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      const began = Date.now();
      void this.sample().then((samples) => {
        if (this.followers.size === 0) return;
        for (const s of samples) for (const f of this.followers) f(s);
        this.schedule(Math.max(0, PERIOD_MS - (Date.now() - began)));
      });
    }, delay);
  }

  /** One sample of each running container (a task that stops meanwhile is skipped). */
  async sample(): Promise<StatsSample[]> {
    let tasks;
    try {
      tasks = await this.client.tasks.list();
    } catch {
      return []; // lifecycled is away: the events pane says so
    }
    const running = tasks.filter((t) => t.status === 'running' || t.status === 'paused');
    const out = await Promise.all(running.map((t) => this.one(t.container_id)));
    const live = new Set(running.map((t) => t.container_id));
    for (const id of this.prev.keys()) if (!live.has(id)) this.prev.delete(id);
    return out.filter((s): s is StatsSample => s !== undefined);
  }

  private async one(lcId: string): Promise<StatsSample | undefined> {
    let m;
    try {
      m = await this.client.tasks.metrics({ container_id: lcId });
    } catch {
      return undefined;
    }
    const at = process.hrtime.bigint();
    const before = this.prev.get(lcId);
    this.prev.set(lcId, { cpuNs: m.cpu_usage_ns, at });
    const dt = before ? Number(at - before.at) : 0;
    const cpuPercent = before && dt > 0 ? Math.max(0, ((m.cpu_usage_ns - before.cpuNs) / dt) * 100) : 0;
    let rec;
    try {
      rec = this.store.resolve(lcId);
    } catch {
      rec = undefined;
    }
    return {
      time: new Date().toISOString(), containerId: rec?.id ?? lcId, name: rec?.name ?? '', cgroupVersion: m.cgroup_version,
      cpuUsageNs: m.cpu_usage_ns, cpuPercent: Math.round(cpuPercent * 10) / 10, onlineCpus: availableParallelism(),
      memoryBytes: m.memory_usage, memoryLimitBytes: m.memory_limit, pids: m.pids_current, pidsLimit: m.pids_limit,
      ioReadBytes: m.io_read_bytes, ioWriteBytes: m.io_write_bytes,
    };
  }
}

const pollers = new WeakMap<LifecycleClient, StatsPoller>();

export function statsPoller(client: LifecycleClient, store: ContainerStore): StatsPoller {
  let p = pollers.get(client);
  if (!p) {
    p = new StatsPoller(client, store);
    pollers.set(client, p);
  }
  return p;
}
