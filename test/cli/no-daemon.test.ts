// Without a daemon every API verb prints docker's message with strata's
// names and exits 1; host selection follows -H, STRATA_HOST, DOCKER_HOST.
// And `strata ps` stays light: the bundle's static import graph for the
// entry reaches no gRPC code (verbs are imported lazily).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';

import { describe, expect, it } from 'vitest';

const repo = join(import.meta.dirname, '..', '..');
const STRATA = join(repo, 'bin', 'strata');

function strata(args: string[], env: NodeJS.ProcessEnv = {}) {
  const clean = { ...process.env };
  delete clean.STRATA_HOST;
  delete clean.DOCKER_HOST;
  const r = spawnSync(STRATA, args, { encoding: 'utf8', env: { ...clean, ...env }, timeout: 20_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('strata without a daemon', () => {
  it('prints the exact message and exits 1', () => {
    const r = strata(['ps']);
    expect(r.stderr).toBe('Cannot connect to the strata daemon at unix:///run/strata/strata.sock. Is stratad running?\n');
    expect(r.code).toBe(1);
  });

  it('names the host it tried: -H, then STRATA_HOST, then DOCKER_HOST', () => {
    expect(strata(['-H', 'unix:///tmp/none-a.sock', 'images']).stderr).toMatch(/at unix:\/\/\/tmp\/none-a\.sock\. Is stratad running\?/);
    expect(strata(['info'], { STRATA_HOST: 'unix:///tmp/none-b.sock', DOCKER_HOST: 'unix:///tmp/none-c.sock' }).stderr).toMatch(/none-b\.sock/);
    expect(strata(['info'], { DOCKER_HOST: 'unix:///tmp/none-c.sock' }).stderr).toMatch(/none-c\.sock/);
  });

  it('run exits 1 too; usage errors exit 125; version shows the client anyway', () => {
    const r = strata(['run', '--rm', 'busybox', 'true']);
    expect(r.stderr).toMatch(/^Cannot connect to the strata daemon/);
    expect(r.code).toBe(1);
    expect(strata(['ps', '--bogus']).code).toBe(125);
    const v = strata(['version']);
    expect(v.stdout).toMatch(/^Client: strata\n Version:\s+\d+\.\d+\.\d+/);
    expect(v.code).toBe(1);
    expect(strata(['--version']).stdout).toMatch(/^strata \d+\.\d+\.\d+\n$/);
  });

  it('the bundle loads no gRPC code before a verb asks for it', () => {
    const entry = join(repo, 'dist', 'strata.mjs');
    expect(existsSync(entry)).toBe(true);
    const external = new Set<string>();
    const seen = new Set<string>();
    const walk = (file: string) => {
      if (seen.has(file)) return;
      seen.add(file);
      const src = readFileSync(file, 'utf8');
      for (const m of src.matchAll(/^import\s(?:[^;]*?\sfrom\s)?"([^"]+)"/gm)) {
        const spec = m[1] as string;
        if (spec.startsWith('.')) walk(normalize(join(dirname(file), spec)));
        else external.add(spec);
      }
    };
    walk(entry);
    expect([...external].filter((s) => !s.startsWith('node:'))).toEqual([]);
  });
});
