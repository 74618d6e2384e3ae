// The multiplexed-frame decoder: frames split and joined arbitrarily by the
// transport, empty frames, stderr routing, and systemerr (stream 3).
import { PassThrough, Readable } from 'node:stream';

import { describe, expect, it } from 'vitest';

import { demuxStream, encodeFrame, FrameDecoder, StreamError } from '../../src/client/demux.ts';

function collect(): { stream: PassThrough; text(): string } {
  const stream = new PassThrough();
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

describe('FrameDecoder', () => {
  it('decodes whole frames, header [stream,0,0,0,size BE]', () => {
    const f = encodeFrame(1, 'hello\n');
    expect([...f.subarray(0, 8)]).toEqual([1, 0, 0, 0, 0, 0, 0, 6]);
    const d = new FrameDecoder();
    const frames = d.push(Buffer.concat([f, encodeFrame(2, 'oops')]));
    expect(frames.map((x) => [x.stream, x.payload.toString()])).toEqual([
      [1, 'hello\n'],
      [2, 'oops'],
    ]);
    expect(d.pending).toBe(0);
  });

  it('reassembles frames fed one byte at a time', () => {
    const all = Buffer.concat([encodeFrame(1, 'abc'), encodeFrame(0, ''), encodeFrame(2, 'x'.repeat(70000))]);
    const d = new FrameDecoder();
    const got: string[] = [];
    for (const byte of all) for (const f of d.push(Buffer.from([byte]))) got.push(`${f.stream}:${f.payload.length}`);
    expect(got).toEqual(['1:3', '0:0', '2:70000']);
  });

  it('keeps an incomplete frame pending and refuses an unknown stream byte', () => {
    const d = new FrameDecoder();
    expect(d.push(encodeFrame(1, 'partial').subarray(0, 10))).toEqual([]);
    expect(d.pending).toBe(10);
    expect(() => new FrameDecoder().push(Buffer.from([9, 0, 0, 0, 0, 0, 0, 0]))).toThrow(/unknown stream 9/);
  });
});

describe('demuxStream', () => {
  it('routes stdout and stderr and resolves at end', async () => {
    const out = collect();
    const err = collect();
    const data = Buffer.concat([encodeFrame(1, 'one\n'), encodeFrame(2, 'two\n'), encodeFrame(1, 'three\n')]);
    // Split mid-header and mid-payload.
    const src = Readable.from([data.subarray(0, 3), data.subarray(3, 13), data.subarray(13)]);
    await demuxStream(src, out.stream, err.stream);
    expect(out.text()).toBe('one\nthree\n');
    expect(err.text()).toBe('two\n');
  });

  it('turns a systemerr frame into a StreamError', async () => {
    const src = Readable.from([Buffer.concat([encodeFrame(1, 'a'), encodeFrame(3, 'boom')])]);
    await expect(demuxStream(src, collect().stream, collect().stream)).rejects.toThrow(StreamError);
  });
});
