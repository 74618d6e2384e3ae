// /containers/{id}/exec and /exec/{id}/...: a process started in a running container.
import type { Transport } from './transport.ts';
import type { Hijacked } from './containers.ts';
import type { ExecCreateOptions, ExecInspect } from './types.ts';

const enc = encodeURIComponent;

export class Execs {
  constructor(private readonly t: Transport) {}

  create(containerId: string, body: ExecCreateOptions): Promise<{ Id: string }> {
    return this.t.json({ method: 'POST', path: `/containers/${enc(containerId)}/exec`, body });
  }

  /** Start attached: the hijacked stream (multiplexed unless Tty). */
  start(execId: string, opts: { tty?: boolean; consoleSize?: [number, number] } = {}): Promise<Hijacked> {
    const body = { Detach: false, Tty: opts.tty ?? false, ...(opts.consoleSize ? { ConsoleSize: opts.consoleSize } : {}) };
    return this.t.hijack({ method: 'POST', path: `/exec/${enc(execId)}/start`, body });
  }

  /** Start detached: plain 200, nothing attached. */
  startDetached(execId: string, opts: { tty?: boolean } = {}): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/exec/${enc(execId)}/start`, body: { Detach: true, Tty: opts.tty ?? false } });
  }

  resize(execId: string, h: number, w: number): Promise<number> {
    return this.t.empty({ method: 'POST', path: `/exec/${enc(execId)}/resize`, query: { h, w } });
  }

  inspect(execId: string): Promise<ExecInspect> {
    return this.t.json({ method: 'GET', path: `/exec/${enc(execId)}/json` });
  }
}
