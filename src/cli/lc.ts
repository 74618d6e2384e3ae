// `strata lc [--exec-root DIR] VERB ...`: the debug client that talks to
// strata-lifecycled directly, as ctr talks to containerd.  This file is the
// verb table and the one place errors become messages and exit codes:
// 0 ok, 1 the engine refused or failed (the message names the layer), 2 usage.
import { parseArgs, UsageError } from './lc/args.ts';
import { connectLc, describeError } from './lc/connect.ts';
import type { LcContext, LcVerb } from './lc/context.ts';
import { eventsVerb } from './lc/events.ts';
import { imagesVerb } from './lc/images.ts';
import { killVerb } from './lc/kill.ts';
import { rmVerb } from './lc/rm.ts';
import { runVerb } from './lc/run.ts';
import { tasksVerb } from './lc/tasks.ts';
import { versionVerb } from './lc/version.ts';

const DEFAULT_EXEC_ROOT = '/run/strata';

const verbs: LcVerb[] = [imagesVerb, runVerb, tasksVerb, killVerb, rmVerb, eventsVerb, versionVerb];

function usage(): string {
  return [
    'usage: strata lc [--exec-root DIR] VERB [ARGS...]',
    '',
    'Talks to strata-lifecycled at <exec-root>/lifecycled.sock (default exec root',
    `${DEFAULT_EXEC_ROOT}, or $STRATA_EXEC_ROOT).`,
    '',
    ...verbs.flatMap((v) => v.usage.map((u) => `  strata lc ${u}`)),
    '',
  ].join('\n');
}

export async function lc(argv: string[]): Promise<number> {
  let execRoot = process.env.STRATA_EXEC_ROOT || DEFAULT_EXEC_ROOT;
  let rest: string[];
  try {
    // Global options come before the verb; the verb parses the rest.
    const p = parseArgs(argv, [{ name: 'exec-root', kind: 'value' }, { name: 'help', short: 'h', kind: 'bool' }], { fixedPositionals: 1 });
    if (p.bools.has('help')) {
      process.stdout.write(usage());
      return 0;
    }
    execRoot = p.values.get('exec-root') ?? execRoot;
    rest = [...p.positionals, ...p.rest];
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`strata lc: ${e.message}\n${usage()}`);
    return 2;
  }
  const [name, ...args] = rest;
  const verb = verbs.find((v) => v.name === name);
  if (!verb) {
    if (name !== undefined) process.stderr.write(`strata lc: unknown verb "${name}"\n`);
    process.stderr.write(usage());
    return 2;
  }
  const ctx: LcContext = { execRoot, connect: () => connectLc(execRoot), stdout: process.stdout, stderr: process.stderr };
  try {
    return await verb.run(args, ctx);
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`strata lc ${verb.name}: ${e.message}\nusage:\n${verb.usage.map((u) => `  strata lc ${u}\n`).join('')}`);
      return 2;
    }
    process.stderr.write(`strata lc: ${describeError(e, execRoot)}\n`);
    return 1;
  } finally {
    ctx.closeApi?.();
  }
}
