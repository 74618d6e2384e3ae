// The C unit tests under native/tests, one vitest case per binary, so the
// README's single test command runs them too.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const native = join(import.meta.dirname, '..', 'native');
const sources = readdirSync(join(native, 'tests')).filter((f) => f.endsWith('.c'));

describe('native unit tests', () => {
  execFileSync('make', ['-C', native, '-s', 'tests'], { stdio: 'inherit' });

  it('has C unit tests to run', () => {
    expect(sources.length).toBeGreaterThan(0);
  });

  for (const source of sources) {
    const bin = join(native, 'build', 'tests', source.replace(/\.c$/, ''));
    it(source, () => {
      expect(existsSync(bin)).toBe(true);
      const result = spawnSync(bin, [], { encoding: 'utf8', timeout: 120_000 });
      const output = `${result.stdout}\n${result.stderr}`;
      expect(result.status, output).toBe(0);
    });
  }
});
