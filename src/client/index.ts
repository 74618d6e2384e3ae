// The public surface of src/client.
export { Client } from './client.ts';
export { ApiError, ConnectionError } from './errors.ts';
export { DEFAULT_HOST, parseHost, type Endpoint } from './host.ts';
export { demuxStream, encodeFrame, FrameDecoder, StreamError, type Frame } from './demux.ts';
export { jsonLines } from './json-lines.ts';
export { parseFilterFlags } from './filters.ts';
export { OUR_API_VERSION, pickVersion, compareVersions } from './version.ts';
export type { ClientOptions, TlsOptions } from './transport.ts';
export type { Hijacked, LogsOptions, AttachOptions, WaitCondition } from './containers.ts';
export type * from './types.ts';
