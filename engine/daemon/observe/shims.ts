// GET /strata/shims: each task's strata-shim (pid from lifecycled's Tasks.List)
// with what /proc says about it: parent, resident memory, start time.
import { readFileSync } from 'node:fs';

import type { LifecycleClient } from '../../lifecycle/client.ts';
import type { ContainerStore } from '../containers/store.ts';
import type { ShimInfo } from '../strata-api.ts';

export type { ShimInfo };

/** USER_HZ: /proc times are in these ticks; 100 on every Linux ABI (sysconf is out of Node's reach). */
const CLK_TCK = 100;

function bootTimeSec(): number {
  const m = /^btime (\d+)$/m.exec(readFileSync('/proc/stat', 'utf8'));
  return m ? Number(m[1]) : 0;
}

interface ProcInfo {
  ppid: number;
  rssBytes: number;
  startedAt: string;
}

/** /proc/<pid>: undefined when the process is gone. */
export function procInfo(pid: number, boot = bootTimeSec()): ProcInfo | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // comm may hold spaces and parentheses: the fields start after the last ')'.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const ppid = Number(f[1]);
    const startTicks = Number(f[19]);
    const rss = /^VmRSS:\s+(\d+) kB$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    const started = new Date((boot + startTicks / CLK_TCK) * 1000);
    return { ppid, rssBytes: rss ? Number(rss[1]) * 1024 : 0, startedAt: started.toISOString() };
  } catch {
    return undefined;
  }
}

export async function listShims(client: LifecycleClient, store: ContainerStore): Promise<ShimInfo[]> {
  const tasks = await client.tasks.list();
  const boot = bootTimeSec();
  const out: ShimInfo[] = [];
  for (const t of tasks) {
    const shimPid = t.shim_pid ?? 0;
    if (shimPid <= 0) continue;
    const p = procInfo(shimPid, boot);
    if (!p) continue; // the shim is gone (lifecycled reports the task's exit)
    let rec;
    try {
      rec = store.resolve(t.container_id);
    } catch {
      rec = undefined;
    }
    out.push({
      containerId: rec?.id ?? t.container_id, name: rec?.name ?? '', shimPid, shimPpid: p.ppid, initPid: t.pid,
      rssBytes: p.rssBytes, startedAt: p.startedAt, daemonPid: process.pid,
    });
  }
  return out;
}
