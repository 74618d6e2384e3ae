// strata-shim attach: stdin, many readers, one stdin holder, terminals and resize.
import { describe, expect, it } from 'vitest';

import { shimSuite, until } from './harness.ts';

describe('strata-shim attach', () => {
  const suite = shimSuite();

  it('echoes stdin through cat to two readers; a second stdin attacher is refused', async () => {
    const c = await suite.launch('cat', { args: ['cat'] }, { stdin: true });
    await c.client.start();
    const a = await c.client.attach({ stdin: true });
    const b = await c.client.attach();
    let outA = '';
    let outB = '';
    a.stdout.on('data', (d: Buffer) => void (outA += d.toString()));
    b.stdout.on('data', (d: Buffer) => void (outB += d.toString()));
    const second = c.client.attach({ stdin: true });
    await expect(second).rejects.toThrow('stdin is already attached');
    await expect(second).rejects.toMatchObject({ errorClass: 'AlreadyExists', layer: 'shim' });

    a.stdin!.write('ping\n');
    await until(() => outA, 'ping\n');
    await until(() => outB, 'ping\n');
    a.stdin!.write('pong\n');
    await until(() => outB, 'ping\npong\n');
    // Half-closing stdin ends cat; both streams end once its output is drained.
    a.stdin!.end();
    expect((await c.client.wait()).code).toBe(0);
    await Promise.all([a.done, b.done]);
    expect(outA).toBe('ping\npong\n');
    expect(outB).toBe('ping\npong\n');
    await c.client.delete();
    await c.client.shutdown();
  });

  it('demuxes stdout and stderr for readers', async () => {
    const c = await suite.launch('demux', { args: ['sh', '-c', 'read x; echo out-$x; echo err-$x >&2'] }, { stdin: true });
    await c.client.start();
    const a = await c.client.attach({ stdin: true });
    let out = '';
    let err = '';
    a.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    a.stderr.on('data', (d: Buffer) => void (err += d.toString()));
    a.stdin!.write('1\n');
    await a.done;
    expect(out).toBe('out-1\n');
    expect(err).toBe('err-1\n');
    expect((await c.client.wait()).code).toBe(0);
    await c.client.shutdown();
  });

  it('gives a terminal container a pty and resizes it', async () => {
    const c = await suite.launch('tty', { args: ['sh'], terminal: true }, { terminal: true, stdin: true, consoleWidth: 80, consoleHeight: 24 });
    await c.client.start();
    const a = await c.client.attach({ stdin: true, tty: true });
    let out = '';
    a.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    a.stdin!.write('stty size\n');
    await until(() => out, /24 80/);
    await c.client.resize(120, 40);
    a.stdin!.write('stty size; tty\n');
    await until(() => out, /40 120/);
    await until(() => out, /\/dev\/pts\/\d+/);
    a.stdin!.write('exit 4\n');
    expect((await c.client.wait()).code).toBe(4);
    await a.done;
    await c.client.shutdown();
  });

  it('refuses resize without a terminal and stdin without --stdin', async () => {
    const c = await suite.launch('notty', { args: ['sleep', '1000'] });
    await c.client.start();
    await expect(c.client.resize(10, 10)).rejects.toMatchObject({ errorClass: 'FailedPrecondition' });
    await expect(c.client.attach({ stdin: true })).rejects.toMatchObject({ errorClass: 'FailedPrecondition' });
    await c.client.shutdown(true);
  });

  it('attaches to an exec with stdin', async () => {
    const c = await suite.launch('execattach', { args: ['sleep', '1000'] });
    await c.client.start();
    await c.client.exec('x1', { ...c.bundle.spec.process, args: ['sh', '-c', 'read l; echo got-$l; exit 2'] }, { stdin: true });
    await c.client.start('x1');
    const a = await c.client.attach({ stdin: true, execId: 'x1' });
    let out = '';
    a.stdout.on('data', (d: Buffer) => void (out += d.toString()));
    a.stdin!.write('abc\n');
    expect((await c.client.wait('x1')).code).toBe(2);
    await a.done;
    expect(out).toBe('got-abc\n');
    await c.client.shutdown(true);
  });
});
