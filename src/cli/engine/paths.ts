// Where the engine binaries are: bin/ of the strata installation, found by
// walking up to our package.json (works from src/ under tsx and from the
// dist/strata.mjs bundle alike). STRATA_BIN_DIR overrides it.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(start: string): string | undefined {
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (existsSync(pkg)) {
      try {
        const parsed: unknown = JSON.parse(readFileSync(pkg, 'utf8'));
        if (typeof parsed === 'object' && parsed !== null && (parsed as { name?: unknown }).name === 'strata') return dir;
      } catch {
        // Not ours: keep walking.
      }
    }
    if (dirname(dir) === dir) return undefined;
  }
}

export function binDir(): string {
  if (process.env.STRATA_BIN_DIR) return process.env.STRATA_BIN_DIR;
  const root = findRoot(dirname(fileURLToPath(import.meta.url)));
  if (!root) throw new Error('cannot find the strata installation (no strata package.json above the CLI); set STRATA_BIN_DIR');
  return join(root, 'bin');
}
