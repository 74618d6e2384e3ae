// Docker's stats JSON (api/types/container/stats.go) from lifecycled's task
// metrics.  CPU figures are nanoseconds; system_cpu_usage is the sum of the
// first seven columns of /proc/stat's cpu line in ns (daemon/stats_unix.go),
// so the CLI's CPU% = delta(total_usage) / delta(system) x online_cpus.
import { readFileSync } from 'node:fs';
import { totalmem } from 'node:os';

import type { Metrics } from '../../lifecycle/api-types.ts';

const CLK_TCK = 100;

export interface HostCpu {
  system: number;
  online: number;
}

export function hostCpu(): HostCpu {
  const text = readFileSync('/proc/stat', 'utf8');
  let system = 0;
  let online = 0;
  for (const line of text.split('\n')) {
    if (line.startsWith('cpu ')) {
      const cols = line.trim().split(/\s+/).slice(1, 8).map(Number);
      system = (cols.reduce((a, b) => a + b, 0) * 1e9) / CLK_TCK;
    } else if (/^cpu\d+ /.test(line)) online++;
  }
  return { system, online };
}

export interface Sample {
  read: string;
  metrics?: Metrics;
  cpu: HostCpu;
}

function cpuStats(s: Sample | undefined): object {
  return {
    cpu_usage: { total_usage: s?.metrics?.cpu_usage_ns ?? 0, usage_in_kernelmode: 0, usage_in_usermode: 0 },
    system_cpu_usage: s?.metrics ? s.cpu.system : 0,
    online_cpus: s?.metrics ? s.cpu.online : 0,
    throttling_data: { periods: 0, throttled_periods: 0, throttled_time: 0 },
  };
}

const ZERO_TIME = '0001-01-01T00:00:00Z';

/** One stats object: `cur` now, `pre` the previous sample (precpu_stats), both absent for a stopped container. */
export function statsJson(id: string, name: string, cur: Sample | undefined, pre: Sample | undefined): object {
  const m = cur?.metrics;
  return {
    name: `/${name}`,
    id,
    read: cur?.read ?? ZERO_TIME,
    preread: pre?.read ?? ZERO_TIME,
    pids_stats: m ? { current: m.pids_current, ...(m.pids_limit ? { limit: m.pids_limit } : {}) } : {},
    blkio_stats: {
      io_service_bytes_recursive: m
        ? [
            { major: 0, minor: 0, op: 'read', value: m.io_read_bytes },
            { major: 0, minor: 0, op: 'write', value: m.io_write_bytes },
          ]
        : null,
      io_serviced_recursive: null,
      io_queue_recursive: null,
      io_service_time_recursive: null,
      io_wait_time_recursive: null,
      io_merged_recursive: null,
      io_time_recursive: null,
      sectors_recursive: null,
    },
    num_procs: 0,
    storage_stats: {},
    cpu_stats: cpuStats(cur),
    precpu_stats: cpuStats(pre),
    // An unlimited container reports the host's memory as its limit (moby does the same).
    memory_stats: m ? { usage: m.memory_usage, stats: {}, limit: m.memory_limit || totalmem() } : {},
  };
}
