// The strata CLI's entry: a table of verb groups, one thin file each.  Today
// only `strata lc` (the debug client of strata-lifecycled, as ctr is to
// containerd); stratad's docker-style verbs join the table later.
import { lc } from './lc.ts';
import pkg from '../../package.json' with { type: 'json' };

const VERSION: string = pkg.version;

interface Verb {
  summary: string;
  run(args: string[]): Promise<number>;
}

const verbs: Record<string, Verb> = {
  lc: { summary: 'talk to strata-lifecycled directly (debug client, like ctr)', run: lc },
};

function usage(): string {
  const width = Math.max(...Object.keys(verbs).map((v) => v.length));
  return [
    'usage: strata [--version] VERB [ARGS...]',
    '',
    'verbs:',
    ...Object.entries(verbs).map(([name, v]) => `  ${name.padEnd(width)}  ${v.summary}`),
    '',
  ].join('\n');
}

async function main(argv: string[]): Promise<number> {
  const [verb, ...rest] = argv;
  if (verb === '--version' || verb === 'version') {
    process.stdout.write(`strata ${VERSION}\n`);
    return 0;
  }
  if (verb === '--help' || verb === '-h' || verb === 'help') {
    process.stdout.write(usage());
    return 0;
  }
  const entry = verb !== undefined ? verbs[verb] : undefined;
  if (!entry) {
    if (verb !== undefined) process.stderr.write(`strata: unknown verb "${verb}"\n`);
    process.stderr.write(usage());
    return 2;
  }
  return entry.run(rest);
}

// Exit only once stdout is flushed: a piped `strata lc images ls | head` must
// not lose its tail to process.exit.
main(process.argv.slice(2)).then(
  (code) => {
    // An empty write's callback runs after everything queued before it.
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`strata: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
    process.exit(1);
  },
);
