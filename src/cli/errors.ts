// The one place errors become messages and exit codes, worded like docker's:
//   daemon refused    "Error response from daemon: <message>"           exit 1
//   no daemon         "Cannot connect to the strata daemon at <host>. Is stratad running?"  exit 1
//   bad flags         "strata: <message>\nSee 'strata <verb> --help'."  exit 125
// Verbs that need another code (run: 125/126/127, the container's own code)
// throw ExitError.
import { ApiError, ConnectionError } from '../client/errors.ts';
import { StreamError } from '../client/demux.ts';
import { UsageError } from './args.ts';
import { TemplateError } from './format/template.ts';

/** Print message (if any) and exit with code. */
export class ExitError extends Error {
  constructor(
    readonly code: number,
    message = '',
  ) {
    super(message);
  }
}

export function connectMessage(host: string): string {
  return `Cannot connect to the strata daemon at ${host}. Is stratad running?`;
}

export function describe(e: unknown, host: string): string {
  if (e instanceof ConnectionError) return connectMessage(host);
  if (e instanceof ApiError) return `Error response from daemon: ${e.message}`;
  if (e instanceof StreamError) return e.message;
  if (e instanceof TemplateError) return `Error: ${e.message}`;
  return `Error: ${e instanceof Error ? e.message : String(e)}`;
}

/** Report e on stderr and return the exit code. */
export function report(e: unknown, verb: string, host: string, stderr: NodeJS.WritableStream): number {
  if (e instanceof ExitError) {
    if (e.message) stderr.write(`${e.message}\n`);
    return e.code;
  }
  if (e instanceof UsageError) {
    stderr.write(`strata: ${e.message}\nSee 'strata ${verb} --help'.\n`);
    return 125;
  }
  stderr.write(`${describe(e, host)}\n`);
  return 1;
}
