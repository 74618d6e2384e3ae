// The few OCI runtime calls lifecycled makes itself: --version, and the
// forced delete that frees a container whose shim is gone (containerd's
// cleanupAfterDeadShim runs `<shim> delete` for the same purpose).
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function runtimeVersion(runtime: string): Promise<string> {
  try {
    const { stdout } = await run(runtime, ['--version'], { timeout: 10_000 });
    return stdout.split('\n')[0]?.trim() ?? '';
  } catch (e) {
    return `unavailable (${e instanceof Error ? e.message : String(e)})`;
  }
}

/** `<runtime> --root <root> delete --force <id>`: kills what is left and frees runtime state and cgroup. Errors ignored (nothing left is fine). */
export async function forceDelete(runtime: string, root: string, id: string): Promise<void> {
  try {
    await run(runtime, ['--root', root, 'delete', '--force', id], { timeout: 30_000 });
  } catch {
    /* already gone, or no state: both mean nothing to free */
  }
}
