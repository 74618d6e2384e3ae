// What stratad knows about cgroups itself: which version the host runs, and
// Docker's resource fields as OCI LinuxResources for lifecycled's
// Tasks.Update (the runtime writes the cgroup files, as `runc update` does).
import { existsSync } from 'node:fs';

export function cgroupV2(): boolean {
  return existsSync('/sys/fs/cgroup/cgroup.controllers');
}

/** Docker's update fields; undefined (or 0, except PidsLimit) leaves a limit as it is. */
export interface ResourceUpdate {
  Memory?: number;
  MemorySwap?: number;
  PidsLimit?: number;
  NanoCpus?: number;
  CpuQuota?: number;
  CpuPeriod?: number;
  CpuShares?: number;
}

const PERIOD_US = 100_000;

/** OCI LinuxResources with only the limits the update sets (moby's toContainerdResources). */
export function linuxResources(u: ResourceUpdate): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const memory: Record<string, number> = {};
  if (u.Memory) memory.limit = u.Memory;
  if (u.MemorySwap) memory.swap = u.MemorySwap;
  if (Object.keys(memory).length > 0) out.memory = memory;
  const cpu: Record<string, number> = {};
  if (u.NanoCpus) {
    cpu.period = PERIOD_US;
    cpu.quota = Math.round((u.NanoCpus * PERIOD_US) / 1e9);
  }
  if (u.CpuQuota) cpu.quota = u.CpuQuota;
  if (u.CpuPeriod) cpu.period = u.CpuPeriod;
  if (u.CpuShares) cpu.shares = u.CpuShares;
  if (Object.keys(cpu).length > 0) out.cpu = cpu;
  // API 1.40+: 0 or -1 is unlimited, absent leaves it.
  if (u.PidsLimit !== undefined) out.pids = { limit: u.PidsLimit > 0 ? u.PidsLimit : -1 };
  return out;
}
