// ShimDriver over engine/shim/client.ts (the shim's own TypeScript client for
// native/shim/PROTOCOL.md): launch, and one ShimClient per task socket.
import { ShimClient, type Attached } from '../../shim/client.ts';
import type { AttachChunk, AttachSession } from '../api-types.ts';
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

class ClientShim implements ShimConn {
  private readonly c: ShimClient;
  constructor(socket: string) {
    this.c = new ShimClient(socket);
  }
  state() {
    return this.c.state();
  }
  start(execId?: string) {
    return this.c.start(execId);
  }
  exec(execId: string, process: object, terminal: boolean, stdin = false) {
    return this.c.exec(execId, process, { terminal, stdin });
  }
  kill(signal: number, all: boolean, execId?: string) {
    return this.c.kill(signal, { all, execId });
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
    return this.c.delete(execId);
  }
  shutdown(force: boolean) {
    return this.c.shutdown(force);
  }
}

export const clientShimDriver: ShimDriver = {
  launch: (o) =>
    ShimClient.launch({
      id: o.id, bundle: o.bundle, stateDir: o.stateDir, shimBinary: o.shim, runtime: o.runtime, runtimeRoot: o.runtimeRoot,
      logPath: o.logPath, logMaxSize: o.logMaxSize, logMaxFile: o.logMaxFile, terminal: o.terminal, stdin: o.stdin,
      consoleWidth: o.consoleWidth, consoleHeight: o.consoleHeight,
    }),
  connect: (socket) => new ClientShim(socket),
};
