// strata-lifecycled: the lifecycle manager (containerd's role), in the foreground.
//   strata-lifecycled --data-root DIR --exec-root DIR [--runtime PATH] [--shim PATH] [--cgroup-parent PATH] [--insecure-registry HOST:PORT]...
// Socket <exec-root>/lifecycled.sock (0600); logs on stderr; SIGTERM/SIGINT
// stop it gracefully without touching containers.
import { parseArgs } from 'node:util';

import { startDaemon } from './daemon.ts';
import { DEFAULT_RUNTIME, DEFAULT_SHIM } from './paths.ts';

const USAGE = 'usage: strata-lifecycled --data-root DIR --exec-root DIR [--runtime PATH] [--shim PATH] [--cgroup-parent PATH] [--insecure-registry HOST:PORT]...';

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        'data-root': { type: 'string' },
        'exec-root': { type: 'string' },
        runtime: { type: 'string' },
        shim: { type: 'string' },
        'cgroup-parent': { type: 'string' },
        'insecure-registry': { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }));
  } catch (e) {
    process.stderr.write(`strata-lifecycled: ${e instanceof Error ? e.message : String(e)}\n${USAGE}\n`);
    process.exit(2);
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const dataRoot = values['data-root'];
  const execRoot = values['exec-root'];
  if (!dataRoot || !execRoot) {
    process.stderr.write(`strata-lifecycled: --data-root and --exec-root are required\n${USAGE}\n`);
    process.exit(2);
  }
  const daemon = await startDaemon({
    dataRoot, execRoot, runtime: values.runtime ?? DEFAULT_RUNTIME, shim: values.shim ?? DEFAULT_SHIM, cgroupParent: values['cgroup-parent'], insecureRegistries: values['insecure-registry'] ?? [],
  });
  const stop = (sig: string) => {
    process.stderr.write(`strata-lifecycled: ${sig}: stopping (containers keep running)\n`);
    daemon.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

main().catch((e: unknown) => {
  process.stderr.write(`strata-lifecycled: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
