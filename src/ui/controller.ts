// The workbench's one object with side effects: it owns the store, the feeds,
// the Ink instance and the terminal, and implements what the keys do. Panes
// and the router only read the store and call in here.
import { render, type Instance } from 'ink';
import { createElement as h } from 'react';

import type { Client } from '../client/client.ts';
import type { StrataApi } from '../client/strata.ts';
import type { EngineRoots } from '../cli/engine/layers.ts';
import { cannotRestart, layerFor, restartLayer, startDaemon, stopDaemon } from './actions/engine.ts';
import { runContainer } from './actions/run.ts';
import { runFormFields, runSpec } from './actions/run-form.ts';
import { App } from './components/App.ts';
import { ThemeContext } from './components/theme-context.ts';
import type { Action } from './keys/keymap.ts';
import { Router, type Handlers } from './keys/router.ts';
import { LAYER_PANES } from './presentation/layout.ts';
import { containerName, filterContainers, filterRequests } from './presentation/panes.ts';
import { rowCount } from './presentation/rows.ts';
import { errorText, Feeds } from './store/feeds.ts';
import { PANES, type FormField, type PaneId } from './store/state.ts';
import type { Store } from './store/store.ts';
import { handOver } from './terminal/handover.ts';
import { osc52, takeScreen, type ScreenGuard } from './terminal/screen.ts';
import type { Theme } from './theme/theme.ts';
import { TOUR, type TourActions } from './tour/steps.ts';

export interface ControllerOptions {
  store: Store;
  client: Client;
  strata: StrataApi;
  theme: Theme;
  /** Where the engine's pid files are (for restarting a layer); undefined until known. */
  roots: EngineRoots | undefined;
  /** argv to run the strata CLI again (exec, logs). */
  cli: string[];
  tour: boolean;
  stdout?: NodeJS.WriteStream;
  stdin?: NodeJS.ReadStream;
}

export class Controller {
  readonly store: Store;
  readonly router: Router;
  /** What each action of the key table does (test/ui/help.test.ts checks it covers the table). */
  readonly actions: Handlers;
  private readonly feeds: Feeds;
  private instance: Instance | undefined;
  private guard: ScreenGuard | undefined;
  private readonly out: NodeJS.WriteStream;
  private readonly input: NodeJS.ReadStream;
  private finished: (code: number) => void = () => undefined;
  private suspended = false;
  /** Where the engine's pid files are; learnt after the first frame when not given. */
  roots: EngineRoots | undefined;

  constructor(private readonly o: ControllerOptions) {
    this.store = o.store;
    this.roots = o.roots;
    this.out = o.stdout ?? process.stdout;
    this.input = o.stdin ?? process.stdin;
    this.feeds = new Feeds(o.store, o.client, o.strata);
    this.actions = this.handlers();
    this.router = new Router(o.store, this.actions, {
      submitForm: (f) => void this.submitRun(f),
      confirmed: (_a, id) => void this.act('remove', id, () => this.o.client.containers.remove(id, { force: true })),
      tourStep: (n) => void this.tourStep(n),
      quit: () => this.quit(),
    });
  }

  /** Take the screen, start the feeds, draw; resolves with the exit code when the user quits. */
  run(): Promise<number> {
    const done = new Promise<number>((r) => (this.finished = r));
    this.guard = takeScreen(this.out, this.input, () => {
      this.stopAll();
      this.finished(129);
    });
    this.onResize();
    this.out.on('resize', this.onResize);
    this.feeds.start();
    this.mount();
    if (this.o.tour) void this.tourStep(0);
    return done;
  }

  quit(): void {
    this.stopAll();
    this.guard?.release();
    this.finished(0);
  }

  private stopAll(): void {
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.feeds.stop();
    this.out.off('resize', this.onResize);
    this.instance?.unmount();
    this.instance = undefined;
    this.store.dispose();
    this.o.client.close();
  }

  private mount(): void {
    const app = h(ThemeContext.Provider, { value: this.o.theme }, h(App, { store: this.store, router: this.router }));
    this.instance = render(app, { stdout: this.out, stdin: this.input, exitOnCtrlC: false, patchConsole: false, incrementalRendering: true, maxFps: 15 });
  }

  private onResize = (): void => {
    const cols = this.out.columns ?? 80;
    const rows = this.out.rows ?? 24;
    // Ink 6 misses the repaint when the height shrinks (its issue #1023): start from a blank screen.
    if (this.instance) {
      this.instance.clear();
      this.out.write('\x1b[H\x1b[2J');
    }
    this.store.update({ size: { cols, rows } });
  };

  private selectedContainer() {
    const s = this.store.state;
    return filterContainers(s.containers, s.filter)[s.selected.containers];
  }

  private noticeTimer: NodeJS.Timeout | undefined;

  /** The status line: info fades after 10 s, an error stays 30 s (or until the next notice). */
  private notice(text: string, level: 'info' | 'error' = 'info'): void {
    const notice = { text, level };
    this.store.update({ notice });
    if (this.noticeTimer) clearTimeout(this.noticeTimer);
    this.noticeTimer = setTimeout(() => this.store.update((s) => (s.notice === notice ? { notice: undefined } : {})), level === 'info' ? 10_000 : 30_000);
    this.noticeTimer.unref();
  }

  /** Run a call on the selected container, saying what happened (errors name their layer). */
  private async act(what: string, id: string, call: () => Promise<unknown>): Promise<void> {
    const name = this.store.state.containers.find((c) => c.Id === id);
    const label = name ? containerName(name) : id.slice(0, 12);
    this.notice(`${what} ${label}…`);
    try {
      await call();
      this.notice(`${what} ${label}: done`);
    } catch (e) {
      this.notice(`${what} ${label}: ${errorText(e)}`, 'error');
    }
    this.feeds.refreshSoon();
  }

  private withContainer(what: string, call: (id: string) => Promise<unknown>): () => Promise<void> {
    return async () => {
      const c = this.selectedContainer();
      if (!c) return this.notice(`${what}: no container selected`, 'error');
      await this.act(what, c.Id, () => call(c.Id));
    };
  }

  private move(delta: number | 'top' | 'bottom'): void {
    const s = this.store.state;
    const pane = s.focus;
    const n = rowCount(s, pane);
    const cur = s.selected[pane];
    let next: number;
    if (delta === 'top') next = 0;
    else if (delta === 'bottom') next = pane === 'requests' || pane === 'events' ? -1 : n - 1;
    else if (cur < 0) next = delta < 0 ? n - 1 : -1; // from following the tail
    else next = cur + delta;
    if (next >= n && (pane === 'requests' || pane === 'events')) next = -1;
    else next = next < 0 && next !== -1 ? 0 : Math.min(Math.max(next, pane === 'requests' || pane === 'events' ? -1 : 0), Math.max(0, n - 1));
    this.store.update({ selected: { ...s.selected, [pane]: next } });
  }

  focus(pane: PaneId): void {
    this.store.update((s) => ({ focus: pane, detail: LAYER_PANES.includes(pane) ? pane : s.detail }));
  }

  private cycle(step: number): void {
    const i = PANES.indexOf(this.store.state.focus);
    this.focus(PANES[(i + step + PANES.length) % PANES.length] as PaneId);
  }

  private handlers(): Handlers {
    const c = this.o.client;
    const h: Handlers = {
      run: () => this.store.update({ mode: { kind: 'form', fields: runFormFields(), focus: 0 } }),
      stop: this.withContainer('stop', (id) => c.containers.stop(id)),
      kill: this.withContainer('kill', (id) => c.containers.kill(id)),
      restart: this.withContainer('restart', (id) => c.containers.restart(id)),
      remove: () => {
        const ctr = this.selectedContainer();
        if (!ctr) return this.notice('remove: no container selected', 'error');
        this.store.update({ mode: { kind: 'confirm', question: `Remove ${containerName(ctr)} (${ctr.State})${ctr.State === 'running' ? ', killing it first' : ''}?`, action: 'remove', id: ctr.Id } });
      },
      exec: () => this.execShell(),
      logs: () => this.followLogs(),
      inspect: () => this.inspect(),
      copyId: () => {
        const ctr = this.selectedContainer();
        if (!ctr) return this.notice('copy: no container selected', 'error');
        this.out.write(osc52(ctr.Id));
        this.notice(`copied ${ctr.Id.slice(0, 12)}… to the clipboard (OSC 52; the terminal must allow it)`);
      },
      restartDaemon: () => this.restart('daemon'),
      restartLifecycle: () => this.restart('lifecycle'),
      filter: () => this.store.update((s) => ({ mode: { kind: 'filter', text: s.filter } })),
      help: () => this.store.update({ mode: { kind: 'help' } }),
      nextPane: () => this.cycle(1),
      prevPane: () => this.cycle(-1),
      up: () => this.move(-1),
      down: () => this.move(1),
      top: () => this.move('top'),
      bottom: () => this.move('bottom'),
      open: () => this.open(),
      quit: () => this.quit(),
    };
    return h satisfies Record<Action, unknown>;
  }

  private open(): void {
    const s = this.store.state;
    if (s.focus === 'requests') {
      const rows = filterRequests(s.requests, s.filter);
      const row = rows[s.selected.requests < 0 ? rows.length - 1 : s.selected.requests];
      if (row?.kind === 'request' && row.traceId) {
        void this.feeds.showTrace(row.traceId);
        this.focus('trace');
      } else this.notice('this request has no trace id', 'error');
    } else if (s.focus === 'trace') void this.feeds.showTrace(undefined);
    else if (s.focus === 'containers') void this.inspect();
  }

  private async submitRun(fields: FormField[]): Promise<void> {
    let spec;
    try {
      spec = runSpec(fields);
    } catch (e) {
      const m = this.store.state.mode;
      if (m.kind === 'form') this.store.update({ mode: { ...m, fields, error: (e as Error).message } });
      return;
    }
    // Leave the form (the tour runs without one and stays in the tour).
    this.store.update((st) => ({ mode: st.mode.kind === 'form' ? { kind: 'normal' } : st.mode, traceSource: 'last run' }));
    this.notice(`run ${spec.body.Image}…`);
    try {
      const strata = this.store.state.engine.kind === 'docker' ? undefined : this.o.strata;
      const r = await runContainer(this.o.client, strata, spec);
      this.notice(`run: started ${spec.name ?? r.id.slice(0, 12)} (trace ${r.traceId.slice(0, 8)})`);
      this.feeds.refreshSoon();
      setTimeout(() => void this.feeds.showTrace(r.traceId).then(() => this.store.update({ traceSource: 'last run' })), 300);
    } catch (e) {
      this.notice(`run: ${errorText(e)}`, 'error');
    }
  }

  private async inspect(): Promise<void> {
    const ctr = this.selectedContainer();
    if (!ctr) return this.notice('inspect: no container selected', 'error');
    try {
      const info = await this.o.client.containers.inspect(ctr.Id);
      this.store.update({ mode: { kind: 'inspect', title: `inspect ${containerName(ctr)}`, lines: JSON.stringify(info, null, 2).split('\n'), scroll: 0 } });
    } catch (e) {
      this.notice(`inspect: ${errorText(e)}`, 'error');
    }
  }

  private async restart(which: 'daemon' | 'lifecycle'): Promise<void> {
    const layer = layerFor(which);
    const why = cannotRestart(layer, this.roots);
    if (why || !this.roots) return this.notice(why ?? 'unknown roots', 'error');
    this.notice(`restarting ${layer.binary}; containers keep running…`);
    try {
      this.notice(await restartLayer(which, this.roots, this.o.client));
    } catch (e) {
      this.notice(`restart ${layer.binary}: ${errorText(e)}`, 'error');
    }
  }

  /** Unmount Ink, give the terminal to a child, take it back and draw again. */
  private async suspend(banner: string, args: string[]): Promise<void> {
    if (this.suspended || !this.instance) return;
    this.suspended = true;
    const inst = this.instance;
    this.instance = undefined;
    inst.unmount();
    await inst.waitUntilExit().catch(() => undefined);
    const [command, ...rest] = this.o.cli as [string, ...string[]];
    const code = await handOver(this.out, this.input, { banner, command, args: [...rest, ...args] });
    this.suspended = false;
    this.mount();
    this.notice(`back in the workbench (the child exited with ${code})`);
    this.feeds.refreshSoon();
  }

  private async execShell(): Promise<void> {
    const ctr = this.selectedContainer();
    if (!ctr) return this.notice('exec: no container selected', 'error');
    if (ctr.State !== 'running') return this.notice(`exec: ${containerName(ctr)} is ${ctr.State}, not running`, 'error');
    const name = containerName(ctr);
    await this.suspend(`── strata exec -it ${name} sh ── type exit or press ctrl-d to return to the workbench ──`, ['-H', this.store.state.host, 'exec', '-it', ctr.Id, 'sh']);
  }

  private async followLogs(): Promise<void> {
    const ctr = this.selectedContainer();
    if (!ctr) return this.notice('logs: no container selected', 'error');
    await this.suspend(`── strata logs -f ${containerName(ctr)} ── press ctrl-c to return to the workbench ──`, ['-H', this.store.state.host, 'logs', '-f', '--tail', '200', ctr.Id]);
  }

  private async tourStep(n: number): Promise<void> {
    if (n >= TOUR.length) {
      this.store.update({ mode: { kind: 'normal' } });
      this.notice('tour finished: the workbench is yours (? for keys)');
      return;
    }
    this.store.update({ mode: { kind: 'tour', step: n } });
    const step = TOUR[n];
    try {
      await step?.act?.(this.tourActions());
    } catch (e) {
      this.notice(`tour: ${errorText(e)}`, 'error');
    }
  }

  private tourActions(): TourActions {
    const roots = () => {
      const why = cannotRestart(layerFor('daemon'), this.roots);
      if (why || !this.roots) throw new Error(why ?? 'unknown roots');
      return this.roots;
    };
    return {
      focus: (p) => this.focus(p),
      runDemo: async () => {
        const name = `tour-demo-${Date.now().toString(36).slice(-4)}`;
        const fields = runFormFields().map((f) => (f.key === 'name' ? { ...f, value: name } : f));
        await this.submitRun(fields);
      },
      restartDaemon: () => this.restart('daemon'),
      stopDaemonAndCall: async () => {
        this.notice(await stopDaemon(roots()));
        try {
          await this.o.client.containers.list();
          this.notice('the call answered?! (something else listens on the socket)', 'error');
        } catch (e) {
          this.notice(`client error: ${errorText(e)}`, 'error');
        }
      },
      // Stopping removed the pid file: starting needs only the roots.
      startDaemon: async () => {
        if (!this.roots) throw new Error("stratad: the engine's roots are unknown");
        this.notice(await startDaemon(this.roots));
      },
    };
  }
}
