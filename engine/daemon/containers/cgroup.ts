// The few cgroup operations stratad does itself because lifecycled has no RPC
// for them (pause/unpause and resource updates): the container's cgroup is
// the spec's cgroupsPath under the host's hierarchy.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { failedPrecondition } from '../../errors.ts';

const ROOT = '/sys/fs/cgroup';

export function cgroupV2(): boolean {
  return existsSync(join(ROOT, 'cgroup.controllers'));
}

function dirFor(controller: string, path: string): string {
  return cgroupV2() ? join(ROOT, path) : join(ROOT, controller, path);
}

function write(controller: string, path: string, file: string, value: string): void {
  const target = join(dirFor(controller, path), file);
  try {
    writeFileSync(target, value);
  } catch (e) {
    throw failedPrecondition('kernel', `write ${value.trim()} to ${target}: ${e instanceof Error ? e.message : String(e)}`, e);
  }
}

export function freeze(path: string, frozen: boolean): void {
  if (cgroupV2()) write('', path, 'cgroup.freeze', frozen ? '1' : '0');
  else write('freezer', path, 'freezer.state', frozen ? 'FROZEN' : 'THAWED');
}

export function isFrozen(path: string): boolean {
  try {
    if (cgroupV2()) return readFileSync(join(ROOT, path, 'cgroup.freeze'), 'utf8').trim() === '1';
    return readFileSync(join(ROOT, 'freezer', path, 'freezer.state'), 'utf8').trim() !== 'THAWED';
  } catch {
    return false;
  }
}

export interface ResourceUpdate {
  memory?: number;
  memorySwap?: number;
  pidsLimit?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  cpuShares?: number;
}

/** Apply limits to a running container's cgroup (what `runc update` does). */
export function applyResources(path: string, r: ResourceUpdate): void {
  const v2 = cgroupV2();
  if (r.memory !== undefined && r.memory > 0) {
    write('memory', path, v2 ? 'memory.max' : 'memory.limit_in_bytes', String(r.memory));
    if (r.memorySwap !== undefined && r.memorySwap !== 0) {
      if (v2) write('memory', path, 'memory.swap.max', r.memorySwap < 0 ? 'max' : String(Math.max(0, r.memorySwap - r.memory)));
      else write('memory', path, 'memory.memsw.limit_in_bytes', String(r.memorySwap));
    }
  }
  if (r.pidsLimit !== undefined && r.pidsLimit !== 0) write('pids', path, 'pids.max', r.pidsLimit < 0 ? 'max' : String(r.pidsLimit));
  if (r.cpuQuota !== undefined && r.cpuQuota !== 0) {
    const period = r.cpuPeriod || 100000;
    if (v2) write('cpu', path, 'cpu.max', `${r.cpuQuota < 0 ? 'max' : r.cpuQuota} ${period}`);
    else {
      write('cpu', path, 'cpu.cfs_period_us', String(period));
      write('cpu', path, 'cpu.cfs_quota_us', String(r.cpuQuota));
    }
  }
  if (r.cpuShares !== undefined && r.cpuShares > 0) {
    // runc's conversion of shares (2..262144) to cgroup v2 weight (1..10000).
    if (v2) write('cpu', path, 'cpu.weight', String(Math.round(1 + ((r.cpuShares - 2) * 9999) / 262142)));
    else write('cpu', path, 'cpu.shares', String(r.cpuShares));
  }
}
