// What every `strata lc` verb gets: where the daemon is, a lazy connection,
// and the output streams.
import type { LcApi } from './api.ts';

export interface LcContext {
  execRoot: string;
  connect(): Promise<LcApi>;
  /** Set by api() so the group closes the connection after the verb. */
  closeApi?: () => void;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
}

export interface LcVerb {
  name: string;
  /** One line per form, without the "strata lc " prefix. */
  usage: string[];
  run(args: string[], ctx: LcContext): Promise<number>;
}

/** Connect once per invocation, and have the group close it. */
export async function api(ctx: LcContext): Promise<LcApi> {
  const a = await ctx.connect();
  ctx.closeApi = () => a.close();
  return a;
}
