// strata's own progress display for pull and push: one line per layer.  On a
// terminal the lines are redrawn in place (cursor up, clear line) with a bar;
// elsewhere each change of a layer's status is one plain line, without the
// byte-by-byte updates.
import type { PullMessage } from '../client/images.ts';

const BAR = 30;

function size(n: number): string {
  const u = ['B', 'kB', 'MB', 'GB'];
  let v = n;
  let i = 0;
  while (v >= 1000 && i < u.length - 1) {
    v /= 1000;
    i++;
  }
  return `${Number(v.toPrecision(3))}${u[i]}`;
}

export function bar(current: number, total: number): string {
  if (total <= 0) return size(current);
  const n = Math.max(0, Math.min(BAR, Math.round((BAR * current) / total)));
  return `[${'='.repeat(Math.max(0, n - 1))}${n > 0 ? (n === BAR ? '=' : '>') : ''}${' '.repeat(BAR - n)}] ${size(current)}/${size(total)}`;
}

export class ProgressView {
  private readonly order: string[] = [];
  private readonly lines = new Map<string, string>();
  private readonly lastStatus = new Map<string, string>();
  private drawn = 0;

  constructor(private readonly out: NodeJS.WriteStream, private readonly tty = out.isTTY === true) {}

  private width(): number {
    return Math.max(20, (this.out.columns ?? 80) - 1);
  }

  /** Show one message from the daemon. */
  update(m: PullMessage): void {
    if (m.aux) return;
    const status = m.status ?? '';
    if (!m.id) {
      this.plain(status);
      return;
    }
    const d = m.progressDetail;
    const text = `${m.id}: ${status}${d && typeof d.current === 'number' && typeof d.total === 'number' && d.total > 0 ? ` ${bar(d.current, d.total)}` : ''}`;
    if (!this.lines.has(m.id)) this.order.push(m.id);
    this.lines.set(m.id, text);
    if (this.tty) this.redraw();
    else if (this.lastStatus.get(m.id) !== status) {
      this.lastStatus.set(m.id, status);
      this.out.write(`${m.id}: ${status}\n`);
    }
  }

  /** A line not about one layer ("Digest: ..."): printed below the layer lines. */
  plain(text: string): void {
    if (!text) return;
    if (this.tty && this.drawn > 0) {
      // Layer lines stay where they are; later lines go below them.
      this.redraw();
      this.order.length = 0;
      this.lines.clear();
      this.drawn = 0;
    }
    this.out.write(`${text}\n`);
  }

  private redraw(): void {
    let s = this.drawn > 0 ? `\x1b[${this.drawn}A` : '';
    const w = this.width();
    for (const id of this.order) s += `\r\x1b[2K${(this.lines.get(id) ?? '').slice(0, w)}\n`;
    this.drawn = this.order.length;
    this.out.write(s);
  }
}
