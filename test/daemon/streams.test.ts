// stratad's streams through the real docker CLI and dockerode: run (attach
// before start, exit codes), logs (-f, --tail, --timestamps), exec (also -it
// through a pty from `script`), stats, top, cp both ways (and refused
// traversal), attach/logs/exec through dockerode.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';

import Docker from 'dockerode';
import { beforeAll, describe, expect, it } from 'vitest';

import { DOCKER, daemonSuite, type Daemon } from '../helpers/daemon-start.ts';

let d: Daemon;

daemonSuite((daemon) => (d = daemon));

/** `script -qec CMD /dev/null`: CMD gets a pty; input is written slowly so the shell sees it after its prompt. */
function withPty(cmd: string, lines: string[], timeoutMs = 30_000): Promise<{ code: number; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', cmd, '/dev/null'], { env: d.env, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (out += s));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, out });
    });
    let i = 0;
    const feed = () => {
      if (i < lines.length) {
        child.stdin.write(lines[i++]);
        setTimeout(feed, 400);
      }
    };
    setTimeout(feed, 1000);
  });
}

function httpGet(path: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath: d.socket, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('latin1').on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('docker run', () => {
  it('propagates the exit code: run --rm busybox sh -c "exit 3" exits 3', () => {
    const r = d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'exit 3']);
    expect(r.code, r.stderr).toBe(3);
  });

  it('prints the output of a short process: run --rm busybox echo hi', () => {
    const r = d.docker(['run', '--rm', 'busybox', 'echo', 'hi']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('hi\n');
  });

  it('keeps stdout and stderr apart', () => {
    const r = d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
  });

  it('feeds stdin with -i', () => {
    const r = d.docker(['run', '--rm', '-i', 'busybox', 'sh', '-c', 'read x; echo got $x'], { input: 'hello\n' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('got hello\n');
  });

  it('runs -it through a pty', async () => {
    const r = await withPty(`${DOCKER} run --rm -it busybox sh`, ['echo tty-$((6*7))\r', 'exit 4\r']);
    expect(r.out).toContain('tty-42');
    expect(r.code, r.out).toBe(4);
  });
});

describe('docker logs', () => {
  let id = '';
  beforeAll(() => {
    // Pauses between the writes: stdout and stderr are separate pipes, so lines
    // written at the same instant have no order between the two streams.
    id = d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'echo one; sleep 0.1; echo two >&2; sleep 0.1; echo three']).trim();
    d.dockerOk(['wait', id]);
  });

  it('replays stdout and stderr', () => {
    const r = d.docker(['logs', id]);
    expect(r.stdout).toBe('one\nthree\n');
    expect(r.stderr).toBe('two\n');
  });

  it('--tail 1 gives the last line', () => {
    const r = d.docker(['logs', '--tail', '1', id]);
    expect(r.stdout + r.stderr).toBe('three\n');
  });

  it('--timestamps prefixes each line', () => {
    const r = d.docker(['logs', '--timestamps', id]);
    for (const l of r.stdout.trim().split('\n')) expect(l).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z (one|three)$/);
  });

  it('-f follows until the container stops', () => {
    const c = d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'for i in 1 2 3 4; do echo n$i; sleep 0.3; done']).trim();
    const started = Date.now();
    const r = d.docker(['logs', '-f', c], { timeoutMs: 20_000 });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('n1\nn2\nn3\nn4\n');
    expect(Date.now() - started).toBeGreaterThan(500);
  });
});

describe('docker exec, stats, top, cp', () => {
  let id = '';
  beforeAll(() => {
    id = d.dockerOk(['run', '-d', '--name', 'box', 'busybox', 'sleep', '300']).trim();
  });

  it('exec prints output and returns the exit code', () => {
    const r = d.docker(['exec', 'box', 'sh', '-c', 'echo in-$HOSTNAME-ok; exit 5']);
    expect(r.stdout).toMatch(/^in-.*-ok\n$/);
    expect(r.code).toBe(5);
  });

  it('exec -e -w -u', () => {
    const r = d.docker(['exec', '-e', 'A=1', '-w', '/tmp', '-u', '1000:1000', 'box', 'sh', '-c', 'echo $A $(pwd) $(id -u):$(id -g)']);
    expect(r.stdout).toBe('1 /tmp 1000:1000\n');
  });

  it('exec -i feeds stdin', () => {
    const r = d.docker(['exec', '-i', 'box', 'cat'], { input: 'piped\n' });
    expect(r.stdout).toBe('piped\n');
  });

  it('exec -it through a pty', async () => {
    const r = await withPty(`${DOCKER} exec -it box sh`, ['echo pty-$((40+2))\r', 'tty\r', 'exit 7\r']);
    expect(r.out).toContain('pty-42');
    expect(r.out).toMatch(/\/dev\/pts\/\d+/);
    expect(r.code, r.out).toBe(7);
  });

  it('exec -d runs detached', () => {
    d.dockerOk(['exec', '-d', 'box', 'sh', '-c', 'echo detached > /tmp/d']);
    let out = '';
    for (let i = 0; i < 20 && out !== 'detached\n'; i++) {
      out = d.docker(['exec', 'box', 'cat', '/tmp/d']).stdout;
      if (out !== 'detached\n') spawnSync('sleep', ['0.1']);
    }
    expect(out).toBe('detached\n');
  });

  it('stats --no-stream shows the container', () => {
    const out = d.dockerOk(['stats', '--no-stream', '--format', '{{.Name}} {{.CPUPerc}} {{.MemUsage}} {{.PIDs}}', 'box']);
    expect(out).toMatch(/^box \d+\.\d+% [\d.]+\w?i?B \/ [\d.]+\w?i?B 1\n$/);
  });

  it('top lists the processes', () => {
    const out = d.dockerOk(['top', 'box']);
    expect(out.split('\n')[0]).toMatch(/UID\s+PID\s+PPID/);
    expect(out).toContain('sleep 300');
  });

  it('cp copies into and out of the container', () => {
    const src = join(d.dir, 'in.txt');
    writeFileSync(src, 'to the container\n');
    d.dockerOk(['cp', src, 'box:/tmp/']);
    expect(d.dockerOk(['exec', 'box', 'cat', '/tmp/in.txt'])).toBe('to the container\n');
    d.dockerOk(['exec', 'box', 'sh', '-c', 'mkdir -p /tmp/dir/sub && echo deep > /tmp/dir/sub/f']);
    d.dockerOk(['cp', 'box:/tmp/dir', join(d.dir, 'out')]);
    expect(readFileSync(join(d.dir, 'out', 'sub', 'f'), 'utf8')).toBe('deep\n');
    d.dockerOk(['cp', src, 'box:/tmp/renamed.txt']);
    expect(d.dockerOk(['exec', 'box', 'cat', '/tmp/renamed.txt'])).toBe('to the container\n');
  });

  it('cp refuses path traversal and symlink escapes', async () => {
    d.dockerOk(['exec', 'box', 'ln', '-s', '../../../../../../../../', '/tmp/esc']);
    const viaLink = await httpGet(`/containers/${id}/archive?path=${encodeURIComponent('/tmp/esc/etc/hostname')}`);
    expect(viaLink.status).toBe(400);
    expect(viaLink.body).toMatch(/leaves the container's root/);
    const dots = await httpGet(`/containers/${id}/archive?path=${encodeURIComponent('/../../../etc/passwd')}`);
    expect(dots.status).toBe(400);
    const r = d.docker(['cp', 'box:/tmp/esc/etc/hostname', join(d.dir, 'stolen')]);
    expect(r.code).not.toBe(0);
    // An absolute symlink is the container's own path: it stays inside.
    d.dockerOk(['exec', 'box', 'sh', '-c', 'echo inside > /tmp/target && ln -s /tmp/target /tmp/abs']);
    const abs = await httpGet(`/containers/${id}/archive?path=${encodeURIComponent('/tmp/abs')}`);
    expect(abs.status).toBe(200);
  });

  it('cp out of a stopped container', () => {
    const c = d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'echo kept > /kept']).trim();
    d.dockerOk(['wait', c]);
    d.dockerOk(['cp', `${c}:/kept`, join(d.dir, 'kept')]);
    expect(readFileSync(join(d.dir, 'kept'), 'utf8')).toBe('kept\n');
  });
});

describe('dockerode', () => {
  const docker = () => new Docker({ socketPath: d.socket });

  const collect = async (stream: Readable, demux: boolean): Promise<{ out: string; err: string }> => {
    let out = '';
    let err = '';
    if (!demux) {
      for await (const c of stream) out += (c as Buffer).toString();
      return { out, err };
    }
    const { PassThrough } = await import('node:stream');
    const o = new PassThrough();
    const e = new PassThrough();
    o.on('data', (c: Buffer) => (out += c.toString()));
    e.on('data', (c: Buffer) => (err += c.toString()));
    docker().modem.demuxStream(stream, o, e);
    await new Promise((r) => stream.on('end', r));
    return { out, err };
  };

  it('create, attach, start, wait, logs, inspect, remove', async () => {
    const c = await docker().createContainer({ Image: 'busybox', Cmd: ['sh', '-c', 'echo dode; echo derr >&2; exit 2'], AttachStdout: true, AttachStderr: true });
    const stream = (await c.attach({ stream: true, stdout: true, stderr: true, hijack: true })) as unknown as Readable;
    const got = collect(stream, true);
    await c.start();
    const res = (await c.wait()) as { StatusCode: number };
    expect(res.StatusCode).toBe(2);
    expect(await got).toEqual({ out: 'dode\n', err: 'derr\n' });
    const logs = (await c.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
    expect(logs.toString()).toContain('dode');
    const info = await c.inspect();
    expect(info.State.ExitCode).toBe(2);
    await c.remove();
  });

  it('exec with output and exit code', async () => {
    const c = docker().getContainer('box');
    const ex = await c.exec({ Cmd: ['sh', '-c', 'echo from-exec; exit 9'], AttachStdout: true, AttachStderr: true });
    const stream = (await ex.start({ hijack: true, stdin: false })) as unknown as Readable;
    expect((await collect(stream, true)).out).toBe('from-exec\n');
    const info = await ex.inspect();
    expect(info.ExitCode).toBe(9);
    expect(info.Running).toBe(false);
  });
});
