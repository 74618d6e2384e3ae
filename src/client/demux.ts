// Docker's multiplexed stream (pkg/stdcopy): what attach, exec and logs send
// when the container has no TTY. Each frame is an 8-byte header then the
// payload:
//
//   [stream, 0, 0, 0, size >> 24, size >> 16, size >> 8, size]  payload (size bytes)
//
// stream 0 = stdin, 1 = stdout, 2 = stderr, 3 = systemerr (a daemon error in
// the middle of the stream). Frames may be split or joined arbitrarily by
// the transport, so the decoder buffers until a whole frame is there.
import { Writable, type Readable } from 'node:stream';

export type StreamKind = 0 | 1 | 2 | 3;

export interface Frame {
  stream: StreamKind;
  payload: Buffer;
}

/** Incremental frame decoder: push() bytes, get whole frames back. */
export class FrameDecoder {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Frame[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Frame[] = [];
    while (this.buf.length >= 8) {
      const kind = this.buf[0] as number;
      if (kind > 3) throw new Error(`invalid stream frame: unknown stream ${kind}`);
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      frames.push({ stream: kind as StreamKind, payload: this.buf.subarray(8, 8 + size) });
      this.buf = this.buf.subarray(8 + size);
    }
    return frames;
  }

  /** Bytes of an incomplete frame left over (non-zero at EOF means truncation). */
  get pending(): number {
    return this.buf.length;
  }
}

/** Encode one frame (for tests and fake daemons). */
export function encodeFrame(stream: StreamKind, payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload;
  const header = Buffer.alloc(8);
  header[0] = stream;
  header.writeUInt32BE(body.length, 4);
  return Buffer.concat([header, body]);
}

/** The daemon reported an error inside the stream (stream 3). */
export class StreamError extends Error {}

/**
 * Copy a multiplexed stream to stdout and stderr until it ends. Rejects with
 * StreamError on a systemerr frame (docker: "error from daemon in stream").
 */
export function demuxStream(source: Readable, stdout: NodeJS.WritableStream, stderr: NodeJS.WritableStream): Promise<void> {
  const decoder = new FrameDecoder();
  return new Promise((resolve, reject) => {
    const sink = new Writable({
      write(chunk: Buffer, _enc, cb) {
        let frames: Frame[];
        try {
          frames = decoder.push(chunk);
        } catch (e) {
          cb(e as Error);
          return;
        }
        let waiting = 0;
        let done = false;
        const finish = () => {
          if (!done && waiting === 0) {
            done = true;
            cb();
          }
        };
        for (const f of frames) {
          if (f.stream === 3) {
            cb(new StreamError(`error from daemon in stream: ${f.payload.toString('utf8')}`));
            return;
          }
          const out = f.stream === 2 ? stderr : stdout;
          // Respect the terminal's back-pressure: a slow stdout slows the stream.
          if (!out.write(f.payload)) {
            waiting++;
            out.once('drain', () => {
              waiting--;
              finish();
            });
          }
        }
        finish();
      },
    });
    sink.once('finish', resolve);
    sink.once('error', reject);
    source.once('error', reject);
    source.pipe(sink);
  });
}
