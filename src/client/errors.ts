// The client's two failures: the daemon answered with an error status (its
// {"message"} kept verbatim, the HTTP status alongside, as docker's client
// does), or nothing answered at the host at all.

/** The daemon refused or failed a request: HTTP status plus its message. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    /** METHOD path, for debugging; never part of the printed message. */
    readonly request: string,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get notFound(): boolean {
    return this.status === 404;
  }

  get conflict(): boolean {
    return this.status === 409;
  }
}

/** The host did not answer (no socket, nothing listening, connection reset). */
export class ConnectionError extends Error {
  constructor(
    /** The host as the user would write it: unix:///run/strata/strata.sock. */
    readonly host: string,
    /** The system error code (ENOENT, ECONNREFUSED, EACCES, ...). */
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectionError';
  }
}

const CONNECTION_CODES = new Set(['ENOENT', 'ECONNREFUSED', 'ECONNRESET', 'EACCES', 'EPIPE', 'ENOTSOCK', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT', 'EADDRNOTAVAIL', 'ENOTFOUND']);

/** A Node socket error that means "could not reach the daemon", as a ConnectionError. */
export function asConnectionError(e: unknown, host: string): ConnectionError | undefined {
  const code = typeof e === 'object' && e !== null ? (e as { code?: unknown }).code : undefined;
  if (typeof code !== 'string' || !CONNECTION_CODES.has(code)) return undefined;
  return new ConnectionError(host, code, `${e instanceof Error ? e.message : code}`);
}

/** The daemon's message from an error body: {"message"} JSON, else the text itself. */
export function messageFromBody(body: string, contentType: string | undefined, status: number): string {
  const text = body.trim();
  if (text === '') return `request returned ${status} with an empty body`;
  if (contentType?.startsWith('application/json') || text.startsWith('{')) {
    try {
      const parsed: unknown = JSON.parse(text);
      if (typeof parsed === 'object' && parsed !== null) {
        const m = (parsed as { message?: unknown }).message;
        if (typeof m === 'string') return m;
      }
    } catch {
      // Not JSON after all: the text is the message.
    }
  }
  return text;
}
