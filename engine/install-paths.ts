// Where the installation lives: the repository root, found by walking up to
// our package.json, so it works from engine/**/*.ts under tsx and vitest and
// from the dist/*.mjs bundles alike; and the native binaries in bin/.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRepoRoot(start: string): string {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(pkg, 'utf8'));
        if (parsed && typeof parsed === 'object' && 'name' in parsed && parsed.name === 'strata') return dir;
      } catch {
        /* not ours: keep walking */
      }
    }
    if (dirname(dir) === dir) throw new Error(`strata-lifecycled: no strata package.json above ${start}`);
  }
}

export const REPO_ROOT = findRepoRoot(dirname(fileURLToPath(import.meta.url)));
export const PROTO_ROOT = join(REPO_ROOT, 'engine', 'proto');
export const DEFAULT_RUNTIME = join(REPO_ROOT, 'bin', 'strata-runtime');
export const DEFAULT_SHIM = join(REPO_ROOT, 'bin', 'strata-shim');
