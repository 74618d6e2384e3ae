// The one key table: the router dispatches from it and the help screen is
// drawn from it (test/ui/help.test.ts checks they agree). Keys are named as
// keyName() spells them.

export type Action =
  | 'run' | 'stop' | 'kill' | 'remove' | 'restart' | 'exec' | 'logs' | 'inspect' | 'copyId'
  | 'restartDaemon' | 'restartLifecycle'
  | 'filter' | 'help' | 'nextPane' | 'prevPane' | 'up' | 'down' | 'top' | 'bottom' | 'open' | 'quit';

export interface Binding {
  keys: string[];
  action: Action;
  /** Shown in the help screen. */
  help: string;
  /** Shown in the one-line footer (short), when it fits. */
  hint?: string;
  group: 'container' | 'engine' | 'view';
}

export const KEYMAP: Binding[] = [
  { keys: ['r'], action: 'run', help: 'run a container (form: image, command, name, options)', hint: 'run', group: 'container' },
  { keys: ['s'], action: 'stop', help: 'stop the selected container (SIGTERM, then SIGKILL after 10 s)', hint: 'stop', group: 'container' },
  { keys: ['K'], action: 'kill', help: 'kill the selected container (SIGKILL)', group: 'container' },
  { keys: ['d'], action: 'remove', help: 'remove the selected container (asks first; forced if running)', hint: 'rm', group: 'container' },
  { keys: ['R'], action: 'restart', help: 'restart the selected container', group: 'container' },
  { keys: ['e'], action: 'exec', help: 'exec a shell in the selected container (the terminal is handed over; exit returns)', hint: 'exec', group: 'container' },
  { keys: ['l'], action: 'logs', help: "follow the selected container's logs (ctrl-c returns)", hint: 'logs', group: 'container' },
  { keys: ['i'], action: 'inspect', help: 'inspect the selected container (JSON; j/k scroll, esc closes)', group: 'container' },
  { keys: ['y'], action: 'copyId', help: "copy the selected container's id to the clipboard (OSC 52)", group: 'container' },
  { keys: ['D'], action: 'restartDaemon', help: 'restart stratad (containers keep running; panes reconnect)', hint: 'restart stratad', group: 'engine' },
  { keys: ['L'], action: 'restartLifecycle', help: 'restart strata-lifecycled (containers keep running)', group: 'engine' },
  { keys: ['/'], action: 'filter', help: 'filter the rows of every pane (enter keeps it, esc clears it)', hint: 'filter', group: 'view' },
  { keys: ['?'], action: 'help', help: 'this help (any key closes it)', hint: 'help', group: 'view' },
  { keys: ['tab', 'right'], action: 'nextPane', help: 'next pane', group: 'view' },
  { keys: ['shift-tab', 'left'], action: 'prevPane', help: 'previous pane', group: 'view' },
  { keys: ['down', 'j'], action: 'down', help: 'move down', group: 'view' },
  { keys: ['up', 'k'], action: 'up', help: 'move up', group: 'view' },
  { keys: ['g', 'home'], action: 'top', help: 'first row', group: 'view' },
  { keys: ['G', 'end'], action: 'bottom', help: 'last row', group: 'view' },
  { keys: ['enter'], action: 'open', help: 'requests pane: show that request\'s trace; trace pane: back to the last run', group: 'view' },
  { keys: ['q', 'ctrl-c'], action: 'quit', help: 'quit (the terminal is restored)', hint: 'quit', group: 'view' },
];

export function bindingFor(key: string): Binding | undefined {
  return KEYMAP.find((b) => b.keys.includes(key));
}

/** Ink's useInput arguments as one key name: "r", "R", "tab", "shift-tab", "up", "ctrl-c", "esc", "enter". */
export interface InkKey {
  upArrow: boolean; downArrow: boolean; leftArrow: boolean; rightArrow: boolean;
  pageDown: boolean; pageUp: boolean; home?: boolean; end?: boolean;
  return: boolean; escape: boolean; ctrl: boolean; shift: boolean; tab: boolean;
  backspace: boolean; delete: boolean; meta: boolean;
}

export function keyName(input: string, key: InkKey): string {
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.tab) return key.shift ? 'shift-tab' : 'tab';
  if (key.return) return 'enter';
  if (key.escape) return 'esc';
  if (key.backspace || key.delete) return 'backspace';
  if (key.ctrl && input) return `ctrl-${input.toLowerCase()}`;
  return input;
}

/** The help screen's lines, grouped, from the table. */
export function helpLines(): string[] {
  const titles: Record<Binding['group'], string> = { container: 'Container (the one selected in the containers pane)', engine: 'Engine', view: 'View' };
  const lines: string[] = [];
  for (const g of ['container', 'engine', 'view'] as const) {
    lines.push(titles[g]);
    for (const b of KEYMAP.filter((x) => x.group === g)) lines.push(`  ${b.keys.join(' ').padEnd(14)} ${b.help}`);
    lines.push('');
  }
  return lines;
}

/** The footer: the short hints, as many as fit. */
export function footerHints(width: number): string {
  let out = '';
  for (const b of KEYMAP) {
    if (!b.hint) continue;
    const part = `${b.keys[0]} ${b.hint}`;
    if (out.length + part.length + 2 > width) break;
    out += (out ? '  ' : '') + part;
  }
  return out;
}
