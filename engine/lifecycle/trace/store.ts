// strata-lifecycled's spans, per trace id, for the last MAX_TRACES traces; and
// the task trace files the shims and runtimes append to, read on from where
// the last read stopped (they only grow; the task dir goes with the task).
import { closeSync, openSync, readSync, fstatSync } from 'node:fs';

import { parseSpanLine, type LcSpan } from './span.ts';

const MAX_TRACES = 200;
const MAX_SPANS_PER_TRACE = 2000;

export class LifecycleTraces {
  private readonly traces = new Map<string, LcSpan[]>();
  /** trace file -> bytes already read. */
  private readonly files = new Map<string, number>();

  add(span: LcSpan): void {
    let spans = this.traces.get(span.trace_id);
    if (!spans) {
      spans = [];
      this.traces.set(span.trace_id, spans);
      if (this.traces.size > MAX_TRACES) {
        const oldest = this.traces.keys().next().value;
        if (oldest !== undefined) this.traces.delete(oldest);
      }
    }
    // A file read twice (a task reconnected after a restart) must not double its spans.
    if (spans.length < MAX_SPANS_PER_TRACE && !spans.some((s) => s.span_id === span.span_id)) spans.push(span);
  }

  /** Remember a task's trace file, so get() reads it. */
  watchFile(path: string): void {
    if (!this.files.has(path)) this.files.set(path, 0);
  }

  /** The task is going: its file is not read again. */
  forgetFile(path: string): void {
    this.files.delete(path);
  }

  /** Read what was appended to the file since last time (nothing when it does not exist yet). */
  collect(path: string): void {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return;
    }
    try {
      const from = this.files.get(path) ?? 0;
      const size = fstatSync(fd).size;
      if (size <= from) return;
      const buf = Buffer.alloc(size - from);
      const n = readSync(fd, buf, 0, buf.length, from);
      // Only whole lines: a writer's line is one write, but we may read before it lands.
      const end = buf.subarray(0, n).lastIndexOf(0x0a) + 1;
      this.files.set(path, from + end);
      for (const line of buf.subarray(0, end).toString('utf8').split('\n')) {
        const span = line ? parseSpanLine(line) : undefined;
        if (span) this.add(span);
      }
    } finally {
      closeSync(fd);
    }
  }

  get(traceIds: string[]): LcSpan[] {
    for (const f of [...this.files.keys()]) this.collect(f);
    return traceIds.flatMap((id) => this.traces.get(id.toLowerCase()) ?? []);
  }
}

/** The daemon's one store (a process runs one strata-lifecycled). */
export const lifecycleTraces = new LifecycleTraces();
