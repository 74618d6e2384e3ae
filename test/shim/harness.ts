// Shared set-up for the shim suites: a temp dir per describe, busybox bundles
// with cgroupsPath /strata-test/<id>, shims launched against strata-runtime
// with their runtime root in the temp dir, forced cleanup after every test and
// a leak check (mounts, cgroups, processes) around the describe.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { afterAll, afterEach, beforeAll, expect } from 'vitest';

import { ShimClient, type Launched, type LaunchOptions } from '../../engine/shim/client.ts';
import { makeBusyboxBundle, type Bundle } from '../helpers/image.ts';
import { alive, findLeaks, forceCleanup, snapshot, type HostSnapshot } from '../helpers/leaks.ts';
import { REPO, sleep } from '../helpers/runtime.ts';
import type { OciSpec, SpecOptions } from '../helpers/spec.ts';

/** The OCI runtime under the shim: strata-runtime, or runc/crun through STRATA_SHIM_RUNTIME. */
export const RUNTIME = process.env.STRATA_SHIM_RUNTIME ?? join(REPO, 'bin/strata-runtime');
export const SHIM = join(REPO, 'bin/strata-shim');
export const CGROUP_PREFIX = '/strata-test';

export interface Started {
  id: string;
  bundle: Bundle;
  stateDir: string;
  logPath: string;
  launched: Launched;
  client: ShimClient;
}

export interface ShimSuite {
  dir: string;
  runtimeRoot: string;
  id(label: string): string;
  bundle(id: string, options?: SpecOptions, edit?: (spec: OciSpec) => void): Bundle;
  /** Launch a shim for a new container; extra launch options override the defaults. */
  launch(label: string, options?: SpecOptions, extra?: Partial<LaunchOptions>): Promise<Started>;
  /** Remember a shim pid started some other way, so cleanup kills it. */
  track(shimPid: number): void;
  markers(): string[];
}

export function shimSuite(): ShimSuite {
  const tag = `sst-${process.pid}`;
  let counter = 0;
  let before: HostSnapshot;
  const shims = new Set<number>();
  const ids = new Set<string>();
  const suite: ShimSuite = {
    dir: '',
    runtimeRoot: '',
    id: (label) => `${tag}-${label}-${++counter}`,
    bundle(id, options = {}, edit) {
      const b = makeBusyboxBundle(join(suite.dir, 'bundles', id), options);
      b.spec.linux.cgroupsPath = `${CGROUP_PREFIX}/${id}`;
      edit?.(b.spec);
      b.save();
      return b;
    },
    async launch(label, options = {}, extra = {}) {
      const id = suite.id(label);
      const bundle = suite.bundle(id, options);
      const stateDir = join(suite.dir, 'state', id);
      const logPath = join(stateDir, 'ctr.log');
      ids.add(id);
      const launched = await ShimClient.launch({
        id, bundle: bundle.dir, stateDir, runtime: RUNTIME, runtimeRoot: suite.runtimeRoot, logPath, ...extra,
      });
      shims.add(launched.shimPid);
      return { id, bundle, stateDir, logPath, launched, client: new ShimClient(launched.socket) };
    },
    track: (pid) => void shims.add(pid),
    markers: () => [suite.dir, tag],
  };

  beforeAll(() => {
    // Short: the control socket path must fit in sun_path (108 bytes).
    suite.dir = mkdtempSync(join(tmpdir(), 'sst-'));
    chmodSync(suite.dir, 0o755);
    suite.runtimeRoot = join(suite.dir, 'rt');
    before = snapshot();
  });

  afterEach(async () => {
    // Whatever a test left: force the shims down, then the runtime's state.
    for (const pid of shims) {
      if (!alive(pid)) continue;
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        /* gone meanwhile */
      }
    }
    shims.clear();
    for (const id of ids) {
      try {
        execFileSync(RUNTIME, ['--root', suite.runtimeRoot, 'delete', '--force', id], { stdio: 'ignore' });
      } catch {
        /* never created, or already deleted */
      }
    }
    ids.clear();
  });

  afterAll(async () => {
    let leaks = findLeaks(before, suite.markers());
    for (let i = 0; i < 40 && leaks.processes.length > 0; i++) {
      await sleep(50);
      leaks = findLeaks(before, suite.markers());
    }
    forceCleanup(before, suite.markers(), [CGROUP_PREFIX]);
    rmSync(suite.dir, { recursive: true, force: true });
    expect(leaks, 'the shim suite left these behind').toEqual({ mounts: [], cgroupDirs: [], processes: [] });
  });

  return suite;
}

/** Collect a stream into a string until `pattern` shows up (bounded). */
export async function until(read: () => string, pattern: RegExp | string, timeoutMs = 10_000): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = read();
    if (typeof pattern === 'string' ? text.includes(pattern) : pattern.test(text)) return text;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${String(pattern)}; got ${JSON.stringify(text.slice(-500))}`);
    await sleep(20);
  }
}

export function ppidOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
}

export function memoryOf(pid: number): { rssKb: number; pssKb: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const rollup = existsSync(`/proc/${pid}/smaps_rollup`) ? readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8') : '';
  const field = (text: string, name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? NaN);
  return { rssKb: field(status, 'VmRSS'), pssKb: field(rollup, 'Pss') };
}

export interface LogRecord {
  log: string;
  stream: 'stdout' | 'stderr';
  time: string;
}

export function readLog(path: string): LogRecord[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => JSON.parse(l) as LogRecord);
}
