// Workshop mode: a walk down the chain, one layer per step. Each step says
// in a line or two what the layer does, does it for real, points the
// workbench at it, and waits for a key.
import type { PaneId } from '../store/state.ts';

/** What a tour step may do: the controller implements it. */
export interface TourActions {
  focus(pane: PaneId): void;
  runDemo(): Promise<void>;
  restartDaemon(): Promise<void>;
  stopDaemonAndCall(): Promise<void>;
  startDaemon(): Promise<void>;
}

export interface TourStep {
  title: string;
  text: string[];
  act?: (a: TourActions) => Promise<void> | void;
}

export const TOUR: TourStep[] = [
  {
    title: 'strata CLI → stratad',
    text: ['This workbench is a client like `docker`: each call goes to stratad, the Docker Engine API daemon, over its Unix socket.', 'The requests pane lists every call stratad answers: method, path, status, latency.'],
    act: (a) => a.focus('requests'),
  },
  {
    title: 'Run a container',
    text: ['Now for real: POST /containers/create, then /start, for busybox "tour-demo".', 'stratad keeps the config and asks strata-lifecycled (gRPC) to create and start the task.'],
    act: async (a) => {
      a.focus('containers');
      await a.runDemo();
    },
  },
  {
    title: 'stratad → strata-lifecycled',
    text: ["strata-lifecycled (containerd's role) unpacks the image, makes the snapshot and starts one shim.", 'Its own events: /containers/create, /tasks/create, /tasks/start with the init pid.'],
    act: (a) => a.focus('events'),
  },
  {
    title: 'strata-lifecycled → strata-shim',
    text: ['One strata-shim per container, in C: the parent of the container init, holder of its stdio and log.', 'Look at PARENT: init (1), not stratad. Daemons can restart; the shim keeps the container.'],
    act: (a) => a.focus('shims'),
  },
  {
    title: 'strata-shim → strata-runtime → kernel',
    text: ['The shim ran strata-runtime (like runc), which built namespaces, the cgroup, mounts, pivot_root, then exec.', 'The cgroup it made is what this pane reads: CPU% of one core, memory against the limit, pids.'],
    act: (a) => a.focus('cgroups'),
  },
  {
    title: 'One trace down the chain',
    text: ['The run carried one trace id down every layer: client, stratad, lifecycled, shim, runtime.', 'The waterfall shows where the time of the run went.'],
    act: (a) => a.focus('trace'),
  },
  {
    title: 'Restart stratad',
    text: ['stratad is stopped and started again. Panes show the disconnection and reconnect by themselves.', 'The containers pane then says how many running containers survived (all of them).'],
    act: async (a) => {
      a.focus('containers');
      await a.restartDaemon();
    },
  },
  {
    title: 'Stop stratad: what a client sees',
    text: ['stratad is stopped and a client calls GET /containers/json. The error (top line) comes from the client', "transport: nothing listens on the socket. No lower layer is involved: the container runs on under its shim."],
    act: (a) => a.stopDaemonAndCall(),
  },
  {
    title: 'Start it again',
    text: ['stratad starts, reconnects to strata-lifecycled, and the panes catch up. End of the tour: esc leaves it.', 'Press r to run your own container, e to exec into one, ? for every key.'],
    act: (a) => a.startDaemon(),
  },
];

export function tourLines(step: number, width: number): string[] {
  const s = TOUR[Math.min(step, TOUR.length - 1)] as TourStep;
  return [`Tour ${step + 1}/${TOUR.length}: ${s.title}`, ...s.text].map((l) => (l.length > width ? `${l.slice(0, width - 1)}…` : l));
}
