// The strata CLI's entry: global flags, then a table of verbs. Each verb's
// module is imported only when that verb runs, so `strata ps` loads the HTTP
// client and nothing else (the gRPC client under `strata lc` and the
// workbench stay out of its start-up path, bundled or not).
import pkg from '../../package.json' with { type: 'json' };
import { parseArgs, UsageError } from './args.ts';
import { makeContext, type Command, type GlobalOptions } from './context.ts';
import { report } from './errors.ts';

const VERSION: string = pkg.version;

interface Verb {
  summary: string;
  load(): Promise<Command>;
}

// One line per verb; the import path is the verb's one file under commands/.
const verbs: Record<string, Verb> = {
  run: { summary: 'Create and run a new container from an image', load: async () => (await import('./commands/run.ts')).command },
  create: { summary: 'Create a new container', load: async () => (await import('./commands/create.ts')).command },
  ps: { summary: 'List containers', load: async () => (await import('./commands/ps.ts')).command },
  logs: { summary: 'Fetch the logs of a container', load: async () => (await import('./commands/logs.ts')).command },
  exec: { summary: 'Execute a command in a running container', load: async () => (await import('./commands/exec.ts')).command },
  attach: { summary: "Attach to a running container's stdio", load: async () => (await import('./commands/attach.ts')).command },
  start: { summary: 'Start one or more stopped containers', load: async () => (await import('./commands/start.ts')).command },
  stop: { summary: 'Stop one or more running containers', load: async () => (await import('./commands/stop.ts')).command },
  restart: { summary: 'Restart one or more containers', load: async () => (await import('./commands/restart.ts')).command },
  kill: { summary: 'Kill one or more running containers', load: async () => (await import('./commands/kill.ts')).command },
  rm: { summary: 'Remove one or more containers', load: async () => (await import('./commands/rm.ts')).command },
  wait: { summary: 'Block until containers stop, then print their exit codes', load: async () => (await import('./commands/wait.ts')).command },
  pause: { summary: 'Pause all processes within one or more containers', load: async () => (await import('./commands/pause.ts')).pause },
  unpause: { summary: 'Unpause all processes within one or more containers', load: async () => (await import('./commands/pause.ts')).unpause },
  rename: { summary: 'Rename a container', load: async () => (await import('./commands/rename.ts')).command },
  inspect: { summary: 'Return low-level information on objects', load: async () => (await import('./commands/inspect.ts')).command },
  top: { summary: 'Display the running processes of a container', load: async () => (await import('./commands/top.ts')).command },
  stats: { summary: 'Display a live stream of container resource usage', load: async () => (await import('./commands/stats.ts')).command },
  events: { summary: 'Get real time events from the server', load: async () => (await import('./commands/events.ts')).command },
  cp: { summary: 'Copy files between a container and the local filesystem', load: async () => (await import('./commands/cp.ts')).command },
  images: { summary: 'List images', load: async () => (await import('./commands/images.ts')).command },
  rmi: { summary: 'Remove one or more images', load: async () => (await import('./commands/rmi.ts')).command },
  tag: { summary: 'Create a tag TARGET_IMAGE that refers to SOURCE_IMAGE', load: async () => (await import('./commands/tag.ts')).command },
  pull: { summary: 'Download an image from a registry', load: async () => (await import('./commands/pull.ts')).command },
  push: { summary: 'Upload an image to a registry', load: async () => (await import('./commands/push.ts')).command },
  login: { summary: 'Log in to a registry', load: async () => (await import('./commands/login.ts')).command },
  logout: { summary: 'Log out from a registry', load: async () => (await import('./commands/logout.ts')).command },
  load: { summary: 'Load an image from a tar archive or STDIN', load: async () => (await import('./commands/load.ts')).command },
  save: { summary: 'Save one or more images to a tar archive', load: async () => (await import('./commands/save.ts')).command },
  import: { summary: 'Import a root filesystem tarball as an image', load: async () => (await import('./commands/import.ts')).command },
  history: { summary: 'Show the history of an image', load: async () => (await import('./commands/history.ts')).command },
  volume: { summary: 'Manage volumes', load: async () => (await import('./commands/volume.ts')).command },
  network: { summary: 'Manage networks', load: async () => (await import('./commands/network.ts')).command },
  version: { summary: 'Show the strata version information (client and each server layer)', load: async () => (await import('./commands/version.ts')).command },
  info: { summary: 'Display system-wide information', load: async () => (await import('./commands/info.ts')).command },
  engine: { summary: 'Start, stop, restart and show the engine daemons', load: async () => (await import('./commands/engine.ts')).command },
  ui: { summary: 'The workbench: every layer of the engine live in one terminal', load: async () => (await import('../ui/entry.ts')).loadUi() },
  lc: { summary: 'Talk to strata-lifecycled directly (debug client, like ctr)', load: async () => ({ usage: '', run: (await import('./lc.ts')).lc }) },
};

function usage(): string {
  const width = Math.max(...Object.keys(verbs).map((v) => v.length));
  return [
    'usage: strata [OPTIONS] VERB [ARGS...]',
    '',
    'Options:',
    '  -H, --host string   Daemon socket to connect to (env STRATA_HOST, DOCKER_HOST;',
    '                      default unix:///run/strata/strata.sock)',
    '      --tlsverify     Use TLS and verify the daemon (--tlscacert, --tlscert, --tlskey)',
    '  -v, --version       Print the client version and quit',
    '',
    'Verbs:',
    ...Object.entries(verbs).map(([name, v]) => `  ${name.padEnd(width)}  ${v.summary}`),
    '',
  ].join('\n');
}

const GLOBAL_FLAGS = [
  { name: 'host', short: 'H', kind: 'value' as const },
  { name: 'tlsverify', kind: 'bool' as const },
  { name: 'tlscacert', kind: 'value' as const },
  { name: 'tlscert', kind: 'value' as const },
  { name: 'tlskey', kind: 'value' as const },
  { name: 'help', short: 'h', kind: 'bool' as const },
  { name: 'version', short: 'v', kind: 'bool' as const },
];

async function main(argv: string[]): Promise<number> {
  let globals: GlobalOptions;
  let verbName: string | undefined;
  let rest: string[];
  try {
    const p = parseArgs(argv, GLOBAL_FLAGS, { stopAfter: 0 });
    if (p.bools.has('version')) {
      process.stdout.write(`strata ${VERSION}\n`);
      return 0;
    }
    [verbName, ...rest] = p.positionals;
    if (p.bools.has('help') || verbName === 'help') {
      process.stdout.write(usage());
      return 0;
    }
    globals = { host: p.values.get('host'), tlsVerify: p.bools.has('tlsverify'), tlsCa: p.values.get('tlscacert'), tlsCert: p.values.get('tlscert'), tlsKey: p.values.get('tlskey') };
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    process.stderr.write(`strata: ${e.message}\nSee 'strata --help'.\n`);
    return 125;
  }
  const verb = verbName !== undefined ? verbs[verbName] : undefined;
  if (verbName === undefined || !verb) {
    // No verb: usage, like docker. An unknown one: usage on stderr, exit 2
    // (what `strata` has always answered; scripts and tests rely on it).
    if (verbName === undefined) {
      process.stdout.write(usage());
      return 0;
    }
    process.stderr.write(`strata: unknown verb "${verbName}"\n${usage()}`);
    return 2;
  }
  const ctx = makeContext(globals);
  const command = await verb.load();
  if (command.usage && rest[0] === '--help') {
    process.stdout.write(`${command.usage}\n`);
    return 0;
  }
  try {
    return await command.run(rest, ctx);
  } catch (e) {
    return report(e, verbName, ctx.host, process.stderr);
  }
}

// A closed pipe (`strata events | head`) ends the command quietly, as in docker.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

// Exit only once stdout is flushed: a piped `strata ps | head` must not
// lose its tail to process.exit (an empty write's callback runs after
// everything queued before it).
main(process.argv.slice(2)).then(
  (code) => {
    process.stdout.write('', () => process.exit(code));
  },
  (err: unknown) => {
    process.stderr.write(`strata: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
