// Where things live: the repository root (found by walking up to our
// package.json, so it works from engine/lifecycle/*.ts under tsx and from the
// dist/lifecycled.mjs bundle alike) and the layout of the data and exec roots.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
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

export interface Roots {
  dataRoot: string;
  execRoot: string;
}

export class Layout {
  readonly dataRoot: string;
  readonly execRoot: string;
  constructor(roots: Roots) {
    this.dataRoot = resolve(roots.dataRoot);
    this.execRoot = resolve(roots.execRoot);
  }
  get socket(): string {
    return join(this.execRoot, 'lifecycled.sock');
  }
  get tasksDir(): string {
    return join(this.execRoot, 'tasks');
  }
  /** The task's bundle: config.json and rootfs/. */
  taskDir(id: string): string {
    return join(this.tasksDir, id);
  }
  rootfs(id: string): string {
    return join(this.taskDir(id), 'rootfs');
  }
  shimDir(id: string): string {
    return join(this.taskDir(id), 'shim');
  }
  runtimeRoot(id: string): string {
    return join(this.shimDir(id), 'runtime');
  }
  containerDataDir(id: string): string {
    return join(this.dataRoot, 'containers', id);
  }
  logPath(id: string): string {
    return join(this.containerDataDir(id), `${id}-json.log`);
  }
}

/** Container and exec ids: short enough for the shim socket path (sun_path is 108 bytes). */
export const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
