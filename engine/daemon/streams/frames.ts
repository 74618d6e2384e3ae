// Docker's multiplexed stream framing (moby pkg/stdcopy): an 8-byte header
// (stream byte, three zeros, big-endian uint32 length) before each payload.
// Stream 0 stdin, 1 stdout, 2 stderr, 3 an error from the daemon.

export const STDOUT = 1;
export const STDERR = 2;
export const SYSTEMERR = 3;

export function frame(stream: number, payload: Buffer): Buffer {
  const h = Buffer.alloc(8);
  h[0] = stream;
  h.writeUInt32BE(payload.length, 4);
  return Buffer.concat([h, payload]);
}

/** The content type of a hijacked or log stream (multiplexed needs API >= 1.42 and no TTY). */
export function streamContentType(tty: boolean, apiVersion: string): string {
  const [maj, min] = apiVersion.split('.').map(Number);
  const modern = (maj ?? 1) > 1 || (min ?? 0) >= 42;
  return !tty && modern ? 'application/vnd.docker.multiplexed-stream' : 'application/vnd.docker.raw-stream';
}
