// The TypeScript side of the shim protocol (native/shim/PROTOCOL.md): launch a
// strata-shim and talk to its control socket.  Used by strata-lifecycled and
// by the shim tests.
//
//   client                                 strata-shim (<state-dir>/shim.sock)
//   ---- connect, {"method":"wait"}\n ---->
//                                  <------ {"ok":true,"pid":N,"code":C,...}\n  (at exit), close
//   ---- connect, {"method":"attach"}\n -->
//                                  <------ {"ok":true}\n, then mux frames or raw tty bytes
//   stdin bytes, half-close = EOF ------->
//
// One connection per request; failures are EngineErrors of layer "shim" (or
// "runtime" when the shim relays the OCI runtime's own message).
import { spawn } from 'node:child_process';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';

import { EngineError, type ErrorClass } from '../errors.ts';
import { DEFAULT_SHIM } from '../install-paths.ts';

export interface ExitStatus {
  pid: number;
  /** The exit code, or 128 + signal for a signal death. */
  code: number;
  /** The signal that ended it, 0 when it exited. */
  signal: number;
  oom: boolean;
  /** RFC 3339 with nanoseconds. */
  exited_at: string;
}

export type ProcessStatus = 'created' | 'running' | 'paused' | 'stopped';

export interface ExecState {
  exec_id: string;
  pid: number;
  status: ProcessStatus;
  exit: ExitStatus | null;
}

export interface ShimState {
  id: string;
  pid: number;
  status: ProcessStatus;
  exit: ExitStatus | null;
  execs: ExecState[];
}

export interface LaunchOptions {
  id: string;
  bundle: string;
  stateDir: string;
  /** Default: bin/strata-shim of this checkout. */
  shimBinary?: string;
  /** OCI runtime binary (default: strata-runtime next to the shim). */
  runtime?: string;
  runtimeRoot?: string;
  logPath?: string;
  logMaxSize?: number;
  logMaxFile?: number;
  terminal?: boolean;
  stdin?: boolean;
  consoleWidth?: number;
  consoleHeight?: number;
  /** Extra environment for the shim (the trace: STRATA_TRACE_*, PROTOCOL.md "Tracing"). */
  env?: Record<string, string>;
}

export interface Launched {
  shimPid: number;
  pid: number;
  socket: string;
}

export interface AttachOptions {
  stdin?: boolean;
  stdout?: boolean;
  stderr?: boolean;
  execId?: string;
  /** The process has a terminal: the stream is raw bytes, all on stdout. */
  tty?: boolean;
}

/** An attach stream: output demuxed into stdout/stderr, and stdin when asked. */
export interface Attached {
  stdout: PassThrough;
  stderr: PassThrough;
  /** Writes go to the process's stdin; end() closes it. Null without stdin. */
  stdin: Writable | null;
  /** Resolves when the shim ends the stream (process exited, output drained). */
  done: Promise<void>;
  /** Leave without closing the process's stdin. */
  close(): void;
}

export { DEFAULT_SHIM };

type Json = Record<string, unknown>;

/** Classify the shim's plain-words errors (as containerd's checkKillError does). */
export function shimError(message: string, cause?: unknown): EngineError {
  const m = message.toLowerCase();
  let cls: ErrorClass = 'Internal';
  if (/not found|no such|does not exist/.test(m)) cls = 'NotFound';
  else if (/already (exists|attached)/.test(m)) cls = 'AlreadyExists';
  else if (/bad |must be|needs /.test(m)) cls = 'InvalidArgument';
  else if (/already finished|not running|cannot|no stdin|no terminal|already started/.test(m)) cls = 'FailedPrecondition';
  return new EngineError(cls, m.startsWith('runtime ') ? 'runtime' : 'shim', message, cause);
}

const num = (v: unknown): number => (typeof v === 'number' ? v : 0);
const str = (v: unknown): string => (typeof v === 'string' ? v : '');
const status = (v: unknown): ProcessStatus => (v === 'running' || v === 'paused' || v === 'stopped' ? v : 'created');

function exitOf(a: Json): ExitStatus {
  return { pid: num(a.pid), code: num(a.code), signal: num(a.signal), oom: a.oom === true, exited_at: str(a.exited_at) };
}

function maybeExit(v: unknown): ExitStatus | null {
  return v !== null && typeof v === 'object' ? exitOf(v as Json) : null;
}

function launchArgs(o: LaunchOptions): string[] {
  const args = ['--id', o.id, '--bundle', o.bundle, '--state-dir', o.stateDir];
  if (o.runtime) args.push('--runtime', o.runtime);
  if (o.runtimeRoot) args.push('--runtime-root', o.runtimeRoot);
  if (o.logPath) args.push('--log-path', o.logPath);
  if (o.logMaxSize) args.push('--log-max-size', String(o.logMaxSize));
  if (o.logMaxFile) args.push('--log-max-file', String(o.logMaxFile));
  if (o.terminal) args.push('--terminal');
  if (o.stdin) args.push('--stdin');
  if (o.consoleWidth && o.consoleHeight) args.push('--console-width', String(o.consoleWidth), '--console-height', String(o.consoleHeight));
  return args;
}

/** Split Docker mux frames ([stream,0,0,0,size BE] + payload) onto stdout/stderr. */
function demuxer(stdout: PassThrough, stderr: PassThrough): (chunk: Buffer) => void {
  let pending: Buffer = Buffer.alloc(0);
  return (chunk) => {
    pending = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    while (pending.length >= 8) {
      const size = pending.readUInt32BE(4);
      if (pending.length < 8 + size) break;
      (pending[0] === 2 ? stderr : stdout).write(pending.subarray(8, 8 + size));
      pending = pending.subarray(8 + size);
    }
  };
}

export class ShimClient {
  constructor(readonly socket: string) {}

  /** Run strata-shim: it detaches and its starter prints one report line. */
  static launch(o: LaunchOptions): Promise<Launched> {
    const bin = o.shimBinary ?? DEFAULT_SHIM;
    return new Promise((resolve, reject) => {
      const child = spawn(bin, launchArgs(o), { stdio: ['ignore', 'pipe', 'pipe'], env: o.env ? { ...process.env, ...o.env } : process.env });
      let out = '';
      let err = '';
      let settled = false;
      const settle = (e: EngineError | null, r?: Launched) => {
        if (settled) return;
        settled = true;
        if (e) reject(e);
        else if (r) resolve(r);
      };
      child.on('error', (e) => settle(new EngineError('Internal', 'shim', `start ${bin}: ${e.message}`, e)));
      child.stderr.on('data', (d: Buffer) => void (err += d.toString()));
      child.stdout.on('data', (d: Buffer) => void (out += d.toString()));
      // The starter exits right after its report, so 'close' (all output read) has it.
      child.on('close', (code, signal) => {
        const line = out.split('\n')[0] ?? '';
        let report: Json;
        try {
          report = JSON.parse(line) as Json;
        } catch (e) {
          const why = `strata-shim exited (${signal ?? code}) without a report${err.trim() ? `: ${err.trim()}` : ''}`;
          return settle(new EngineError('Internal', 'shim', why, e));
        }
        if (report.ok !== true) return settle(shimError(str(report.error) || 'strata-shim failed to start'));
        settle(null, { shimPid: num(report.shim_pid), pid: num(report.pid), socket: str(report.socket) || join(o.stateDir, 'shim.sock') });
      });
    });
  }

  /** Send one request; resolve with the answer and the connection (paused after the answer line). */
  private open(req: Json): Promise<{ sock: Socket; answer: Json; rest: Buffer }> {
    return new Promise((resolve, reject) => {
      const sock = connect({ path: this.socket, allowHalfOpen: true });
      let buf: Buffer = Buffer.alloc(0);
      const fail = (e: Error & { code?: string }) => {
        sock.destroy();
        reject(new EngineError('Unavailable', 'shim', `shim at ${this.socket}: ${e.code ?? e.message}`, e));
      };
      const onData = (chunk: Buffer) => {
        buf = Buffer.concat([buf, chunk]);
        const nl = buf.indexOf(0x0a);
        if (nl < 0) return;
        sock.off('data', onData);
        sock.off('error', fail);
        sock.off('end', onEnd);
        sock.pause();
        let answer: Json;
        try {
          answer = JSON.parse(buf.subarray(0, nl).toString('utf8')) as Json;
        } catch (e) {
          sock.destroy();
          return reject(new EngineError('Internal', 'shim', `bad answer to ${str(req.method)}`, e));
        }
        if (answer.ok !== true) {
          sock.destroy();
          return reject(shimError(str(answer.error) || `${str(req.method)} failed`));
        }
        resolve({ sock, answer, rest: buf.subarray(nl + 1) });
      };
      const onEnd = () => fail(Object.assign(new Error('connection closed before the answer'), { code: 'ECONNRESET' }));
      sock.once('error', fail);
      sock.once('end', onEnd);
      sock.on('data', onData);
      sock.once('connect', () => sock.write(`${JSON.stringify(req)}\n`));
    });
  }

  private async request(req: Json): Promise<Json> {
    const { sock, answer } = await this.open(req);
    sock.destroy();
    return answer;
  }

  private static withExec(req: Json, execId?: string): Json {
    return execId ? { ...req, exec_id: execId } : req;
  }

  async state(): Promise<ShimState> {
    const a = await this.request({ method: 'state' });
    const execs = Array.isArray(a.execs) ? (a.execs as Json[]) : [];
    return {
      id: str(a.id),
      pid: num(a.pid),
      status: status(a.status),
      exit: maybeExit(a.exit),
      execs: execs.map((e) => ({ exec_id: str(e.exec_id), pid: num(e.pid), status: status(e.status), exit: maybeExit(e.exit) })),
    };
  }

  /** Start the init (or a registered exec); resolves with its pid.  trace: PROTOCOL.md "Tracing". */
  async start(execId?: string, trace?: { trace_id: string; trace_file: string; trace_parent: string }): Promise<number> {
    return num((await this.request(ShimClient.withExec({ method: 'start', ...trace }, execId))).pid);
  }

  /** Register an exec (an OCI process object); `start(execId)` runs it. */
  async exec(execId: string, process: object, opts: { terminal?: boolean; stdin?: boolean } = {}): Promise<void> {
    await this.request({ method: 'exec', exec_id: execId, process, terminal: opts.terminal ?? false, stdin: opts.stdin ?? false });
  }

  async kill(signal: number, opts: { all?: boolean; execId?: string } = {}): Promise<void> {
    await this.request(ShimClient.withExec({ method: 'kill', signal, all: opts.all ?? false }, opts.execId));
  }

  async resize(width: number, height: number, execId?: string): Promise<void> {
    await this.request(ShimClient.withExec({ method: 'resize', width, height }, execId));
  }

  async closeStdin(execId?: string): Promise<void> {
    await this.request(ShimClient.withExec({ method: 'close_stdin' }, execId));
  }

  /** Resolves once the process has exited and its status is on disk. */
  async wait(execId?: string): Promise<ExitStatus> {
    return exitOf(await this.request(ShimClient.withExec({ method: 'wait' }, execId)));
  }

  async pids(): Promise<number[]> {
    const a = await this.request({ method: 'pids' });
    return Array.isArray(a.pids) ? a.pids.filter((p): p is number => typeof p === 'number') : [];
  }

  async delete(execId?: string): Promise<ExitStatus> {
    return exitOf(await this.request(ShimClient.withExec({ method: 'delete' }, execId)));
  }

  /** `runtime pause` / `runtime resume` of the container (its cgroup frozen / thawed). */
  async pause(): Promise<void> {
    await this.request({ method: 'pause' });
  }

  async resume(): Promise<void> {
    await this.request({ method: 'resume' });
  }

  /** `runtime update --resources -` with an OCI LinuxResources object. */
  async update(resources: object): Promise<void> {
    await this.request({ method: 'update', resources });
  }

  /** The shim exits; refused while the init runs unless force (then it is killed and deleted). */
  async shutdown(force = false): Promise<void> {
    await this.request({ method: 'shutdown', force });
  }

  async attach(o: AttachOptions = {}): Promise<Attached> {
    const req = ShimClient.withExec({ method: 'attach', stdin: o.stdin ?? false, stdout: o.stdout ?? true, stderr: o.stderr ?? true }, o.execId);
    const { sock, rest } = await this.open(req);
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const feed = o.tty ? (chunk: Buffer) => void stdout.write(chunk) : demuxer(stdout, stderr);
    const done = new Promise<void>((resolve) => {
      const finish = () => {
        stdout.end();
        stderr.end();
        sock.destroy();
        resolve();
      };
      sock.once('end', finish);
      sock.once('close', finish);
      sock.on('error', () => finish()); // the shim going away ends the stream too
    });
    if (rest.length) feed(rest);
    sock.on('data', feed);
    sock.resume();
    const stdin = o.stdin
      ? new Writable({
          write: (chunk: Buffer, _enc, cb) => (sock.writable ? sock.write(chunk, () => cb()) : cb()),
          final: (cb) => {
            if (sock.writable) sock.end(); // half-close: the process's stdin ends
            cb();
          },
        })
      : null;
    return { stdout, stderr, stdin, done, close: () => sock.destroy() };
  }
}
