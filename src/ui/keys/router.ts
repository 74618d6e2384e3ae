// The input router: a synchronous state machine over the store's mode, so a
// key typed right after a mode change goes where the screen says (no React
// state between the key and its handler). Normal mode dispatches through the
// one key table.
import type { Action, InkKey } from './keymap.ts';
import { bindingFor, keyName } from './keymap.ts';
import type { Store } from '../store/store.ts';
import type { FormField } from '../store/state.ts';

export type Handlers = Record<Action, () => void | Promise<void>>;

export interface ModeHandlers {
  submitForm(fields: FormField[]): void;
  confirmed(action: 'remove', id: string): void;
  tourStep(step: number): void;
  quit(): void;
}

export class Router {
  constructor(
    private readonly store: Store,
    private readonly handlers: Handlers,
    private readonly modes: ModeHandlers,
  ) {}

  handle(input: string, key: InkKey): void {
    // Keys typed fast (or pasted) can arrive as one chunk ("\t\tweb\r"):
    // take them one by one, so each goes where the screen by then says.
    if (input.length > 1 && !input.startsWith('\x1b') && /[\t\r\x7f\x08]/.test(input)) {
      for (const ch of input) this.handle(ch === '\t' || ch === '\r' || ch === '\x7f' || ch === '\x08' ? '' : ch, { ...NO_KEY, tab: ch === '\t', return: ch === '\r', backspace: ch === '\x7f' || ch === '\x08' });
      return;
    }
    this.one(input, key);
  }

  private one(input: string, key: InkKey): void {
    const name = keyName(input, key);
    const s = this.store.state;
    const m = s.mode;
    switch (m.kind) {
      case 'help':
        this.store.update({ mode: { kind: 'normal' } });
        return;
      case 'filter': {
        if (name === 'esc') this.store.update({ mode: { kind: 'normal' }, filter: '', selected: { ...s.selected, containers: 0 } });
        else if (name === 'enter') this.store.update({ mode: { kind: 'normal' } });
        else if (name === 'backspace') this.setFilter(m.text.slice(0, -1));
        else if (isText(input, key)) this.setFilter(m.text + input);
        return;
      }
      case 'confirm':
        this.store.update({ mode: { kind: 'normal' }, notice: input === 'y' || input === 'Y' ? s.notice : { level: 'info', text: 'cancelled' } });
        if (input === 'y' || input === 'Y') this.modes.confirmed(m.action, m.id);
        return;
      case 'form': {
        const fields = m.fields.map((f) => ({ ...f }));
        const f = fields[m.focus] as FormField;
        if (name === 'esc') this.store.update({ mode: { kind: 'normal' } });
        else if (name === 'enter') this.modes.submitForm(fields);
        else if (name === 'tab' || name === 'down') this.store.update({ mode: { ...m, focus: (m.focus + 1) % fields.length } });
        else if (name === 'shift-tab' || name === 'up') this.store.update({ mode: { ...m, focus: (m.focus + fields.length - 1) % fields.length } });
        else if (name === 'backspace') {
          f.value = f.value.slice(0, -1);
          this.store.update({ mode: { ...m, fields } });
        } else if (isText(input, key)) {
          f.value += input;
          this.store.update({ mode: { ...m, fields } });
        }
        return;
      }
      case 'inspect': {
        const max = Math.max(0, m.lines.length - 5);
        const to = (n: number) => this.store.update({ mode: { ...m, scroll: Math.max(0, Math.min(max, n)) } });
        if (name === 'esc' || name === 'q') this.store.update({ mode: { kind: 'normal' } });
        else if (name === 'down' || name === 'j') to(m.scroll + 1);
        else if (name === 'up' || name === 'k') to(m.scroll - 1);
        else if (name === 'pagedown' || name === ' ') to(m.scroll + 10);
        else if (name === 'pageup') to(m.scroll - 10);
        else if (name === 'g') to(0);
        else if (name === 'G') to(max);
        return;
      }
      case 'tour':
        if (name === 'esc') this.store.update({ mode: { kind: 'normal' } });
        else if (name === 'q' || name === 'ctrl-c') this.modes.quit();
        else if (name === ' ' || name === 'enter') this.modes.tourStep(m.step + 1);
        else if (name === 'b') this.modes.tourStep(Math.max(0, m.step - 1));
        else {
          const b = bindingFor(name);
          if (b && b.group === 'view') void this.handlers[b.action]();
        }
        return;
      case 'normal': {
        const b = bindingFor(name);
        if (b) void this.handlers[b.action]();
        else if (name === 'esc' && s.filter) this.store.update({ filter: '' });
        return;
      }
    }
  }

  private setFilter(text: string): void {
    const s = this.store.state;
    this.store.update({ mode: { kind: 'filter', text }, filter: text, selected: { ...s.selected, containers: 0 } });
  }
}

const NO_KEY: InkKey = {
  upArrow: false, downArrow: false, leftArrow: false, rightArrow: false, pageDown: false, pageUp: false, home: false, end: false,
  return: false, escape: false, ctrl: false, shift: false, tab: false, backspace: false, delete: false, meta: false,
};

function isText(input: string, key: InkKey): boolean {
  return input.length > 0 && !key.ctrl && !key.meta && !key.escape && !key.return && !key.tab && !/[\x00-\x1f\x7f]/.test(input);
}
