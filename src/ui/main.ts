// strata ui [--tour] [--theme NAME|FILE] [--data-root DIR] [--exec-root DIR] [--no-start]
// The workbench. Loaded only for this verb (Ink and React stay out of every
// other command's start-up). Before the first frame: start the engine when
// none answers at a local socket, import a busybox image when there is none,
// and learn the engine's roots so the daemons can be restarted from here.
import { parseArgs, UsageError } from '../cli/args.ts';
import { makeContext, type Command } from '../cli/context.ts';
import { StrataApi } from '../client/strata.ts';
import { DEFAULT_HOST } from '../client/host.ts';
import { answers, listening, DEFAULT_DATA_ROOT, DEFAULT_EXEC_ROOT, rootsFromInfo, startEngine } from './bootstrap/engine.ts';
import { ensureImage } from './bootstrap/image.ts';
import { Controller } from './controller.ts';
import { Store } from './store/store.ts';
import { loadTheme } from './theme/theme.ts';

const USAGE = [
  'usage: strata ui [-H unix://SOCK] [--tour] [--theme NAME|FILE] [--data-root DIR] [--exec-root DIR] [--no-start]',
  '  The workbench: every layer of the engine live in one terminal (80x24 or larger).',
  '  --tour        workshop mode: a guided walk down the chain, one layer per step',
  '  --theme       default, dark, light, high-contrast, monochrome, or a theme file (NO_COLOR honoured)',
  '  --no-start    do not start the engine when none answers',
  '  --data-root, --exec-root   where the engine keeps its state (for starting/restarting it)',
].join('\n');

export const command: Command = {
  usage: USAGE,
  async run(args, ctx) {
    const p = parseArgs(args, [
      { name: 'host', short: 'H', kind: 'value' },
      { name: 'tour', kind: 'bool' },
      { name: 'theme', kind: 'value' },
      { name: 'data-root', kind: 'value' },
      { name: 'exec-root', kind: 'value' },
      { name: 'no-start', kind: 'bool' },
    ]);
    if (p.positionals.length > 0) throw new UsageError(`unexpected arguments: ${p.positionals.join(' ')}`);
    const theme = loadTheme(p.values.get('theme') ?? process.env.STRATA_THEME ?? 'default');
    if (!ctx.stdout.isTTY || !ctx.stdin.isTTY) {
      ctx.stderr.write('strata ui: needs a terminal (stdin and stdout must be a tty)\n');
      return 1;
    }
    const say = (l: string) => ctx.stderr.write(`strata ui: ${l}\n`);
    // `strata ui -H unix://SOCK` (after the verb) as well as `strata -H ... ui`.
    const c = p.values.has('host') ? makeContext({ host: p.values.get('host') }) : ctx;
    const client = c.client();
    const host = c.host;
    const given = p.values.has('data-root') || p.values.has('exec-root');
    const flagRoots = { dataRoot: p.values.get('data-root') ?? DEFAULT_DATA_ROOT, execRoot: p.values.get('exec-root') ?? DEFAULT_EXEC_ROOT, host };
    if (!(await listening(host))) {
      // Only a local socket of ours can be started from here: the default one, or one named with its roots.
      if (p.bools.has('no-start') || !host.startsWith('unix:///') || (host !== DEFAULT_HOST && !given)) {
        say(`no engine answers at ${host}${host.startsWith('unix:///') && !p.bools.has('no-start') ? ' (to start one there, also give --data-root and --exec-root)' : ''}; the workbench will keep trying`);
      } else {
        say(`no engine answers at ${host}: starting it (strata engine start --data-root ${flagRoots.dataRoot} --exec-root ${flagRoots.execRoot})`);
        await startEngine(flagRoots, say);
      }
    }
    const strata = new StrataApi(client.transport);
    const store = new Store(host);
    const cli = [process.execPath, ...process.execArgv, process.argv[1] ?? 'strata'];
    const roots = given ? flagRoots : undefined;
    const ui = new Controller({ store, client, strata, theme, roots, cli, tour: p.bools.has('tour'), stdout: ctx.stdout, stdin: ctx.stdin });
    // The first frame does not wait for these: the image and the roots arrive a moment later.
    void (async () => {
      if (!(await answers(client)) || !(await strata.isStrata().catch(() => false))) return;
      const did = await ensureImage(client).catch((e: unknown) => `could not import busybox: ${e instanceof Error ? e.message : String(e)}`);
      if (did) store.update({ notice: { level: did.startsWith('imported') ? 'info' : 'error', text: did } });
      ui.roots ??= await rootsFromInfo(client, host);
    })();
    return ui.run();
  },
};
