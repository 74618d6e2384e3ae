// ShimDriver over engine/shim/client.ts (the shim's own TypeScript client for
// native/shim/PROTOCOL.md): launch, and one ShimClient per task socket.
import { dirname, join } from 'node:path';

import { ShimClient, type Attached } from '../../shim/client.ts';
import type { AttachChunk, AttachSession } from '../api-types.ts';
import { traced } from '../trace/context.ts';
import { lifecycleTraces } from '../trace/store.ts';
import type { ShimAttachOptions, ShimConn, ShimDriver } from './shim-types.ts';

/** The client's demuxed stdout/stderr as one ordered stream of chunks (0 = raw tty bytes). */
export function sessionOf(a: Attached, tty: boolean): AttachSession {
  const queue: AttachChunk[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  const push = (stream: number) => (data: Buffer) => {
    queue.push({ stream, data });
    wake?.();
  };
  a.stdout.on('data', push(tty ? 0 : 1));
  a.stderr.on('data', push(2));
  void a.done.then(() => {
    // 'data' events already queued on the PassThroughs are flushed first.
    setImmediate(() => {
      ended = true;
      wake?.();
    });
  });
  async function* output(): AsyncGenerator<AttachChunk> {
    for (;;) {
      while (queue.length > 0) {
        const c = queue.shift();
        if (c) yield c;
      }
      if (ended) return;
      await new Promise<void>((r) => (wake = r));
      wake = undefined;
    }
  }
  return {
    output: output(),
    write: (data) => void a.stdin?.write(data),
    closeStdin: () => void a.stdin?.end(),
    close: () => a.close(),
  };
}

/** Where a task's shim and runtime append their spans (in the shim's state dir). */
const traceFile = (stateDir: string) => join(stateDir, 'trace.jsonl');

class ClientShim implements ShimConn {
  private readonly c: ShimClient;
  private readonly traceFile: string;
  constructor(socket: string) {
    this.c = new ShimClient(socket);
    this.traceFile = traceFile(dirname(socket));
    lifecycleTraces.watchFile(this.traceFile);
  }
  state() {
    return this.c.state();
  }
  start(execId?: string) {
    return traced(execId ? 'shim start exec' : 'shim start', async (ctx) => {
      try {
        return await this.c.start(execId, ctx && { trace_id: ctx.traceId, trace_file: this.traceFile, trace_parent: ctx.spanId });
      } finally {
        if (ctx) lifecycleTraces.collect(this.traceFile);
      }
    });
  }
  exec(execId: string, process: object, terminal: boolean, stdin = false) {
    return traced('shim exec', () => this.c.exec(execId, process, { terminal, stdin }));
  }
  kill(signal: number, all: boolean, execId?: string) {
    return traced('shim kill', () => this.c.kill(signal, { all, execId }));
  }
  resize(width: number, height: number, execId?: string) {
    return this.c.resize(width, height, execId);
  }
  closeStdin(execId?: string) {
    return this.c.closeStdin(execId);
  }
  wait(execId?: string) {
    return this.c.wait(execId);
  }
  pids() {
    return this.c.pids();
  }
  async attach(o: ShimAttachOptions): Promise<AttachSession> {
    return sessionOf(await this.c.attach({ stdin: o.stdin, stdout: o.stdout, stderr: o.stderr, execId: o.execId, tty: o.tty }), o.tty);
  }
  delete(execId?: string) {
    if (!execId) lifecycleTraces.collect(this.traceFile); // the init's last spans, before its dir goes
    return traced('shim delete', () => this.c.delete(execId));
  }
  shutdown(force: boolean) {
    lifecycleTraces.collect(this.traceFile);
    lifecycleTraces.forgetFile(this.traceFile);
    return this.c.shutdown(force);
  }
  pause() {
    return this.c.pause();
  }
  resume() {
    return this.c.resume();
  }
  update(resources: object) {
    return this.c.update(resources);
  }
}

export const clientShimDriver: ShimDriver = {
  launch: (o) =>
    traced('shim spawn', async (ctx) => {
      const file = traceFile(o.stateDir);
      try {
        return await ShimClient.launch({
          id: o.id, bundle: o.bundle, stateDir: o.stateDir, shimBinary: o.shim, runtime: o.runtime, runtimeRoot: o.runtimeRoot,
          logPath: o.logPath, logMaxSize: o.logMaxSize, logMaxFile: o.logMaxFile, terminal: o.terminal, stdin: o.stdin,
          consoleWidth: o.consoleWidth, consoleHeight: o.consoleHeight,
          env: ctx && { STRATA_TRACE_ID: ctx.traceId, STRATA_TRACE_FILE: file, STRATA_TRACE_PARENT: ctx.spanId },
        });
      } finally {
        if (ctx) lifecycleTraces.collect(file);
      }
    }),
  connect: (socket) => new ClientShim(socket),
};
