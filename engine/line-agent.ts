// A long-lived native helper spoken to in lines: one request line (fields
// separated by tabs) and one answer line ("ok" or "error <message>"), in
// order.  stratad (strata-netattach) and strata-lifecycled (strata-mount)
// keep one each, because spawning a process from a large Node process costs
// more than the syscalls it makes.  Started on first use, replaced when it
// dies (pending requests fail with the reason), and it ends when its parent
// does (EOF on its stdin).  Idle, it never keeps the daemon alive; with a
// request pending it does (else a daemon awaiting it at start-up, with
// nothing else to wait for, would simply exit).
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';

import { internal, type Layer } from './errors.ts';

interface Waiter {
  resolve(): void;
  reject(e: Error): void;
  fields: string[];
}

export class LineAgent {
  private child: ChildProcessWithoutNullStreams | undefined;
  private buffered = '';
  private readonly waiting: Waiter[] = [];

  /** name: how errors call it ("strata-mount"); layer: who reports them. */
  constructor(private readonly path: string, private readonly name: string, private readonly layer: Layer = 'kernel') {}

  private start(): ChildProcessWithoutNullStreams {
    const child = spawn(this.path, ['--serve'], { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      this.buffered += d;
      for (let nl = this.buffered.indexOf('\n'); nl >= 0; nl = this.buffered.indexOf('\n')) {
        const line = this.buffered.slice(0, nl);
        this.buffered = this.buffered.slice(nl + 1);
        const w = this.waiting.shift();
        if (this.waiting.length === 0) this.hold(child, false);
        if (!w) continue;
        if (line === 'ok') w.resolve();
        else w.reject(internal(this.layer, `${this.name} ${w.fields.join(' ')}: ${line.replace(/^error /, '')}`));
      }
    });
    const gone = (why: string) => {
      if (this.child !== child) return;
      this.child = undefined;
      this.buffered = '';
      for (const w of this.waiting.splice(0)) w.reject(internal(this.layer, `${this.name} ${w.fields.join(' ')}: the helper ${why}`));
    };
    child.on('error', (e) => gone(`failed: ${e.message}`));
    child.on('exit', (code, signal) => gone(`exited (${signal ?? `exit ${code}`})`));
    child.stdin.on('error', () => undefined);
    this.hold(child, false);
    return child;
  }

  /** Whether the helper's pipes keep the event loop alive. */
  private hold(child: ChildProcessWithoutNullStreams, on: boolean): void {
    if (on) child.ref();
    else child.unref();
    for (const s of [child.stdin, child.stdout, child.stderr] as unknown as { ref?: () => void; unref?: () => void }[]) {
      if (on) s.ref?.();
      else s.unref?.();
    }
  }

  request(fields: string[]): Promise<void> {
    if (fields.some((f) => /[\t\n]/.test(f))) return Promise.reject(internal(this.layer, `${this.name}: a field holds a tab or newline`));
    const child = (this.child ??= this.start());
    return new Promise((resolve, reject) => {
      if (this.waiting.length === 0) this.hold(child, true);
      this.waiting.push({ resolve, reject, fields });
      child.stdin.write(`${fields.join('\t')}\n`);
    });
  }
}
