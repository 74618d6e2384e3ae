// strata-shim's json-file log: rotation and completeness under volume.
import { createReadStream, existsSync, statSync } from 'node:fs';
import { createInterface } from 'node:readline';

import { describe, expect, it } from 'vitest';

import { readLog, shimSuite } from './harness.ts';

describe('strata-shim log', () => {
  const suite = shimSuite();

  it('rotates at max-size keeping at most max-file files, the newest lines last', async () => {
    const c = await suite.launch('rotate', { args: ['sh', '-c', 'i=1; while [ $i -le 3000 ]; do echo line-$i; i=$((i+1)); done'] },
      { logMaxSize: 10_000, logMaxFile: 3 });
    await c.client.start();
    expect((await c.client.wait()).code).toBe(0);
    const files = [c.logPath, `${c.logPath}.1`, `${c.logPath}.2`];
    for (const f of files) {
      expect(existsSync(f), f).toBe(true);
      expect(statSync(f).size).toBeLessThanOrEqual(10_000);
    }
    expect(existsSync(`${c.logPath}.3`)).toBe(false);
    // Newest last: .2 < .1 < current, contiguous, ending with the last line.
    const lines = [...files].reverse().flatMap((f) => readLog(f).map((r) => r.log));
    expect(lines.at(-1)).toBe('line-3000\n');
    const first = Number(/line-(\d+)/.exec(lines[0] ?? '')?.[1]);
    expect(lines).toEqual(Array.from({ length: 3000 - first + 1 }, (_, i) => `line-${first + i}\n`));
    console.log(`rotation kept lines ${first}..3000 in 3 files`);
    await c.client.delete();
    await c.client.shutdown();
  });

  it('loses no byte of 50 MB written to stdout', async () => {
    const total = 50 * 1024 * 1024;
    const c = await suite.launch('volume', { args: ['sh', '-c', `yes 0123456789abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ | head -c ${total}`] });
    const t0 = Date.now();
    await c.client.start();
    expect((await c.client.wait()).code).toBe(0);
    const seconds = (Date.now() - t0) / 1000;
    let bytes = 0;
    let records = 0;
    const rl = createInterface({ input: createReadStream(c.logPath), crlfDelay: Infinity });
    for await (const line of rl) {
      const r = JSON.parse(line) as { log: string; stream: string };
      bytes += Buffer.byteLength(r.log);
      records++;
    }
    console.log(`50 MB: ${records} records, ${bytes} bytes in the log, ${(total / 1048576 / seconds).toFixed(0)} MB/s`);
    expect(bytes).toBe(total);
    await c.client.delete();
    await c.client.shutdown();
  });
});
