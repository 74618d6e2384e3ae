// "Check from inside": a busybox sh script that runs named sections and
// prints each one's output and exit code between markers, and its parser.
// Tests put the probe in process.args, run the container and read sections.
import { existsSync } from 'node:fs';

export interface ProbeSection {
  out: string;
  rc: number;
}

const MARK = '@@probe';

/**
 * process.args for a container that runs each command (an sh snippet) in
 * order, with stderr folded into stdout, and prints markers around it.
 * `exit` is the script's own exit code: a number, or a section name whose code
 * is passed on.
 */
export function probeArgs(sections: Record<string, string>, exit?: number | string): string[] {
  const parts = Object.entries(sections).map(
    ([name, cmd]) => `echo "${MARK} ${name}"; { ${cmd}\n} 2>&1; rc_${safe(name)}=$?; echo "${MARK}-rc ${name} $rc_${safe(name)}"`,
  );
  if (typeof exit === 'number') parts.push(`exit ${exit}`);
  else if (typeof exit === 'string') parts.push(`exit $rc_${safe(exit)}`);
  return ['sh', '-c', parts.join('\n')];
}

function safe(name: string): string {
  return name.replace(/[^A-Za-z0-9_]/g, '_');
}

/** A probe whose parsed sections are typed by the names given. */
export function probe<K extends string>(sections: Record<K, string>, exit?: number | NoInfer<K>) {
  return {
    args: probeArgs(sections, exit),
    parse: (output: string) => parseProbe(output) as Record<K, ProbeSection>,
  };
}

/** Sections of a probe's output by name; throws if one is missing (the probe did not get that far). */
export function parseProbe(output: string): Record<string, ProbeSection> {
  const result: Record<string, ProbeSection> = {};
  let current: string | undefined;
  let lines: string[] = [];
  for (const line of output.replace(/\r/g, '').split('\n')) {
    if (line.startsWith(`${MARK}-rc `)) {
      const m = /^\S+ (\S+) (-?\d+)$/.exec(line);
      if (m && current !== undefined && m[1] === current) result[current] = { out: lines.join('\n'), rc: Number(m[2]) };
      current = undefined;
      lines = [];
    } else if (line.startsWith(`${MARK} `)) {
      current = line.slice(MARK.length + 1);
      lines = [];
    } else if (current !== undefined) {
      lines.push(line);
    }
  }
  return new Proxy(result, {
    get(target, key: string) {
      const s = target[key];
      if (!s && typeof key === 'string' && key !== 'then') {
        throw new Error(`probe section "${key}" missing from output:\n${output}`);
      }
      return s;
    },
  });
}

/** Wait (bounded) until a file exists, e.g. one the container writes into its rootfs. */
export async function waitForFile(path: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${path}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}
