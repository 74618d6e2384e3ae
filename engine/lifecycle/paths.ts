// Where things live: the installation (engine/install-paths.ts) and the
// layout of the data and exec roots.
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export { REPO_ROOT, PROTO_ROOT, DEFAULT_RUNTIME, DEFAULT_SHIM } from '../install-paths.ts';

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
