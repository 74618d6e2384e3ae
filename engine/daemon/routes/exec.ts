// Exec: create (POST /containers/:id/exec), start (hijacked like attach, or
// detached), resize and inspect.  The exit code is recorded before the
// stream's EOF: `docker exec` reads GET /exec/:id/json right after it.
import type { Duplex } from 'node:stream';

import type { AttachSession } from '../../lifecycle/api-types.ts';

import { conflict, invalidArgument, isEngineError } from '../../errors.ts';
import { execProcess } from '../exec/process-spec.ts';
import { getExec, newExec, type ExecConfig, type ExecRecord } from '../exec/store.ts';
import type { Route, RouteContext } from '../http-types.ts';
import { backend, taskIdOf } from '../streams/backend.ts';
import { SYSTEMERR, frame, streamContentType } from '../streams/frames.ts';
import { drain, pump } from '../streams/pump.ts';

type Obj = Record<string, unknown>;

function obj(v: unknown, what: string): Obj {
  if (v === undefined || v === null) return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalidArgument('stratad', `${what}: want a JSON object`);
  return v as Obj;
}

function strings(v: unknown, what: string): string[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v) || !v.every((s) => typeof s === 'string')) throw invalidArgument('stratad', `${what}: want a list of strings`);
  return v as string[];
}

function str(v: unknown, what: string): string {
  if (v === undefined || v === null) return '';
  if (typeof v !== 'string') throw invalidArgument('stratad', `${what}: want a string`);
  return v;
}

function bool(v: unknown): boolean {
  return v === true;
}

function consoleSize(v: unknown): [number, number] | null {
  if (!Array.isArray(v) || v.length !== 2 || !v.every((n) => Number.isInteger(n) && n >= 0)) return null;
  return [v[0] as number, v[1] as number];
}

/** The container must be running (not paused) for an exec. */
async function runningTask(containerId: string, name: string): Promise<void> {
  const lc = backend().lifecycle();
  try {
    const t = await lc.tasks.get({ container_id: containerId });
    if (t.status === 'running') return;
  } catch (e) {
    if (!isEngineError(e, 'NotFound')) throw e;
  }
  throw conflict('stratad', `container ${name} is not running`);
}

async function create(ctx: RouteContext): Promise<void> {
  const c = backend().resolve(ctx.params.id ?? '');
  const body = obj(await ctx.body(), 'exec config');
  const cfg: ExecConfig = {
    Cmd: strings(body.Cmd, 'Cmd'),
    Env: strings(body.Env, 'Env'),
    WorkingDir: str(body.WorkingDir, 'WorkingDir'),
    User: str(body.User, 'User'),
    Tty: bool(body.Tty),
    Privileged: bool(body.Privileged),
    AttachStdin: bool(body.AttachStdin),
    AttachStdout: bool(body.AttachStdout),
    AttachStderr: bool(body.AttachStderr),
    DetachKeys: str(body.DetachKeys, 'DetachKeys'),
    ConsoleSize: consoleSize(body.ConsoleSize),
  };
  if (cfg.Cmd.length === 0) throw invalidArgument('stratad', 'No exec command specified');
  if (cfg.Env.some((e) => !e.includes('=') || e.startsWith('='))) throw invalidArgument('stratad', 'Env: want KEY=value entries');
  if (cfg.WorkingDir && !cfg.WorkingDir.startsWith('/')) throw invalidArgument('stratad', `the working directory '${cfg.WorkingDir}' is invalid, it needs to be an absolute path`);
  if (c.state.Status === 'paused') throw conflict('stratad', `Container ${c.id} is paused, unpause the container before exec`);
  await runningTask(taskIdOf(c), c.id);
  const e = newExec(c.id, taskIdOf(c), cfg);
  ctx.json(201, { Id: e.id });
}

/** Create the process in lifecycled (not started). */
/** size: the client's terminal [rows, columns], set on the pty by the runtime before the process runs. */
async function prepare(e: ExecRecord, size: [number, number] | null): Promise<void> {
  const b = backend();
  const lc = b.lifecycle();
  const c = b.resolve(e.containerId);
  const id = taskIdOf(c);
  const t = await lc.tasks.get({ container_id: id }).catch(() => undefined);
  if (!t || t.status !== 'running') throw conflict('stratad', `container ${c.id} is not running`);
  const spec = (await lc.containers.get(id)).spec;
  const proc = execProcess(spec, e.config, `/proc/${t.pid}/root`);
  // A resize after the start races the process's first look at its terminal
  // (`stty size` saw 0 rows and failed): the runtime applies consoleSize first.
  if (e.config.Tty && size && size[0] > 0 && size[1] > 0) proc.consoleSize = { height: size[0], width: size[1] };
  await lc.tasks.exec({ container_id: id, exec_id: e.processId, spec: JSON.stringify(proc), terminal: e.config.Tty, stdin: e.config.AttachStdin });
}

/** Wait for the exit, record it, free lifecycled's process entry. */
async function reap(e: ExecRecord): Promise<void> {
  const lc = backend().lifecycle();
  try {
    const res = await lc.tasks.wait({ container_id: e.taskId, exec_id: e.processId });
    e.exitCode = res.exit_status;
  } catch {
    e.exitCode ??= 126;
  } finally {
    e.running = false;
    await lc.tasks.delete({ container_id: e.taskId, exec_id: e.processId }).catch(() => undefined);
  }
}

async function start(ctx: RouteContext): Promise<void> {
  const e = getExec(ctx.params.id ?? '');
  const body = obj(await ctx.body(), 'exec start config');
  if (e.started) throw conflict('stratad', `Error: Exec command ${e.id} has already run`);
  e.started = true;
  const lc = backend().lifecycle();
  const size = consoleSize(body.ConsoleSize) ?? e.config.ConsoleSize;
  const detach = bool(body.Detach);
  try {
    await prepare(e, size);
  } catch (err) {
    e.started = false;
    throw err;
  }
  const launch = async () => {
    const { pid } = await lc.tasks.start({ container_id: e.taskId, exec_id: e.processId });
    e.pid = pid;
    e.running = true;
    if (e.config.Tty && size && size[0] > 0 && size[1] > 0) {
      await lc.tasks.resize({ container_id: e.taskId, exec_id: e.processId, height: size[0], width: size[1] }).catch(() => undefined);
    }
  };
  if (detach) {
    try {
      await launch();
    } catch (err) {
      await lc.tasks.delete({ container_id: e.taskId, exec_id: e.processId }).catch(() => undefined);
      throw err;
    }
    void reap(e);
    ctx.empty(200);
    return;
  }
  const tty = e.config.Tty;
  let conn: Duplex | undefined;
  try {
    // Output attached before the start, so the first bytes are not lost; the
    // shim opens an exec's stdin only when it starts it, so stdin is a second
    // attach after the start.
    const session = await lc.tasks.attach({
      container_id: e.taskId, exec_id: e.processId, stdin: false, stdout: e.config.AttachStdout, stderr: e.config.AttachStderr,
    });
    const output = session.output;
    conn = await ctx.hijack(streamContentType(tty, ctx.apiVersion));
    conn.pause(); // stdin waits in the socket until the pump takes it
    await launch();
    let input: AttachSession | undefined;
    if (e.config.AttachStdin) {
      input = await lc.tasks.attach({ container_id: e.taskId, exec_id: e.processId, stdin: true, stdout: false, stderr: false });
      drain(input.output);
    }
    await pump(conn, session, output, { tty, stdin: input, closeStdinOnEof: true, beforeEnd: () => reap(e) });
  } catch (err) {
    if (!e.running) await lc.tasks.delete({ container_id: e.taskId, exec_id: e.processId }).catch(() => undefined);
    e.exitCode ??= 126;
    if (conn) {
      // Past the hijack the HTTP status is gone: report on the stream (3 = daemon error), then close.
      const msg = Buffer.from(`${err instanceof Error ? err.message : String(err)}\n`);
      conn.end(tty ? msg : frame(SYSTEMERR, msg));
      return;
    }
    throw err;
  }
}

async function resize(ctx: RouteContext): Promise<void> {
  const e = getExec(ctx.params.id ?? '');
  const h = Number(ctx.query.get('h'));
  const w = Number(ctx.query.get('w'));
  if (!Number.isInteger(h) || !Number.isInteger(w) || h <= 0 || w <= 0) throw invalidArgument('stratad', 'resize: h and w must be positive integers');
  if (!e.running) throw conflict('stratad', `exec ${e.id} is not running`);
  await backend().lifecycle().tasks.resize({ container_id: e.taskId, exec_id: e.processId, height: h, width: w });
  ctx.empty(200);
}

async function inspect(ctx: RouteContext): Promise<void> {
  const e = getExec(ctx.params.id ?? '');
  const [entrypoint = '', ...args] = e.config.Cmd;
  ctx.json(200, {
    ID: e.id,
    Running: e.running,
    ExitCode: e.exitCode,
    ProcessConfig: { tty: e.config.Tty, entrypoint, arguments: args, privileged: e.config.Privileged, user: e.config.User },
    OpenStdin: e.config.AttachStdin,
    OpenStderr: e.config.AttachStderr,
    OpenStdout: e.config.AttachStdout,
    CanRemove: !e.running && e.started,
    ContainerID: e.containerId,
    DetachKeys: e.config.DetachKeys,
    Pid: e.pid,
  });
}

export const routes: Route[] = [
  { method: 'POST', path: '/containers/:id/exec', handler: create },
  { method: 'POST', path: '/exec/:id/start', handler: start },
  { method: 'POST', path: '/exec/:id/resize', handler: resize },
  { method: 'GET', path: '/exec/:id/json', handler: inspect },
];
