// The strata CLI against a real stratad (started with `strata engine start`
// on temp roots and a temp socket, busybox imported): run's exit codes and
// stdio, ps and its formats, logs, exec, the state verbs, cp both ways,
// save | load, events with --since/--until, inspect, version, a TTY session
// through a pty, and `strata engine status / restart daemon / restart
// lifecycle` with a container and a `logs -f` follower that must not lose
// or repeat a line.
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

import { beforeAll, describe, expect, it } from 'vitest';

import { daemonSuite, type Daemon } from '../helpers/daemon-start.ts';
import { until } from '../helpers/engine.ts';

const STRATA = join(import.meta.dirname, '..', '..', 'bin', 'strata');

let d: Daemon;
let flags: string[];

interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

function strata(args: string[], opts: { input?: string | Buffer; timeoutMs?: number; cwd?: string } = {}): Result {
  const env = { ...d.env, STRATA_HOST: `unix://${d.socket}` };
  const r = spawnSync(STRATA, args, { env, input: opts.input ?? '', timeout: opts.timeoutMs ?? 60_000, cwd: opts.cwd, maxBuffer: 64 << 20 });
  return { code: r.status, stdout: r.stdout?.toString() ?? '', stderr: r.stderr?.toString() ?? '' };
}

function ok(args: string[], opts: { input?: string | Buffer; cwd?: string } = {}): string {
  const r = strata(args, opts);
  if (r.code !== 0) throw new Error(`strata ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}\n${d.logs()}`);
  return r.stdout;
}

// Teardown: docker rm -f of all, lifecycled removes the rest, strata engine stop, leak check.
daemonSuite((daemon) => {
  d = daemon;
  flags = ['--data-root', d.dataRoot, '--exec-root', d.execRoot, '--host', `unix://${d.socket}`];
});

describe('strata run', () => {
  it('propagates the exit code and both output streams', () => {
    const r = strata(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; echo err >&2; exit 3']);
    expect(r.stdout).toBe('out\n');
    expect(r.stderr).toBe('err\n');
    expect(r.code).toBe(3);
    expect(ok(['ps', '-aq'])).toBe(''); // --rm removed it
  });

  it('feeds stdin with -i and sets env, workdir, user', () => {
    const r = strata(['run', '-i', '--rm', '-e', 'A=1', '-w', '/tmp', '-u', '1000', 'busybox', 'sh', '-c', 'cat; echo $A $(pwd) $(id -u)'], { input: 'from stdin\n' });
    expect(r.stdout).toBe('from stdin\n1 /tmp 1000\n');
    expect(r.code).toBe(0);
  });

  it('daemon errors exit 125, a missing command 127', () => {
    const noImage = strata(['run', '--rm', '--pull', 'never', 'nosuchimage:1']);
    expect(noImage.code).toBe(125);
    expect(noImage.stderr).toMatch(/^Error response from daemon: .*No such image/im);
    const noCmd = strata(['run', '--rm', 'busybox', '/no/such/cmd']);
    expect([127, 126]).toContain(noCmd.code);
  });

  it('-it through a pty: a TTY inside, raw output, the exit code', () => {
    const env = { ...d.env, STRATA_HOST: `unix://${d.socket}` };
    const r = spawnSync('script', ['-qec', `${STRATA} run -it --rm busybox sh -c 'tty; exit 4'`, '/dev/null'], { env, encoding: 'utf8', timeout: 30_000, input: '' });
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r\n/);
    expect(r.stdout).not.toMatch(/\r\r\n/);
    expect(r.status).toBe(4);
  });
});

describe('container verbs', () => {
  let id = '';
  beforeAll(() => {
    id = ok(['run', '-d', '--name', 'web', '-l', 'tier=front', 'busybox', 'sh', '-c', 'echo started; exec sleep 600']).trim();
  });

  it('run -d prints the full id; ps shows it like docker', () => {
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const table = ok(['ps']).split('\n');
    expect(table[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(table[1]).toMatch(new RegExp(`^${id.slice(0, 12)}\\s+busybox\\s+"sh -c 'echo started…"\\s+.* ago\\s+Up .*\\s+web$`));
    expect(ok(['ps', '-q'])).toBe(`${id.slice(0, 12)}\n`);
    expect(ok(['ps', '--format', '{{.Names}}|{{.Image}}|{{.State}}'])).toBe('web|busybox|running\n');
    expect(ok(['ps', '-a', '--filter', 'label=tier=front', '--format', '{{.ID}}', '--no-trunc'])).toBe(`${id}\n`);
    expect(ok(['ps', '--filter', 'name=nomatch', '-q'])).toBe('');
  });

  it('logs, exec (exit code, -e, -w), top, inspect, stats --no-stream', () => {
    expect(ok(['logs', 'web'])).toBe('started\n');
    expect(ok(['logs', '-t', '--tail', '1', 'web'])).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{9}Z started\n$/);
    const ex = strata(['exec', '-e', 'X=7', '-w', '/etc', 'web', 'sh', '-c', 'echo $X $(pwd); exit 5']);
    expect(ex.stdout).toBe('7 /etc\n');
    expect(ex.code).toBe(5);
    expect(ok(['top', 'web'])).toMatch(/^UID\s+PID\s+PPID[\s\S]*sleep 600/);
    expect(ok(['inspect', '-f', '{{.State.Status}} {{.Name}} {{.Config.Labels.tier}}', 'web'])).toBe('running /web front\n');
    const all: unknown = JSON.parse(ok(['inspect', 'web']));
    expect(Array.isArray(all) && (all[0] as { Id: string }).Id).toBe(id);
    const missing = strata(['inspect', 'nope-object']);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toBe('Error: No such object: nope-object\n');
    expect(ok(['stats', '--no-stream', 'web'])).toMatch(/^CONTAINER ID\s+NAME\s+CPU %\s+MEM USAGE \/ LIMIT[\s\S]*\n[0-9a-f]{12}\s+web\s+\d+\.\d\d%/);
  });

  it('cp both ways: into a directory, to a new name, a directory tree', () => {
    const host = join(d.dir, 'cp');
    mkdirSync(join(host, 'tree', 'sub'), { recursive: true });
    writeFileSync(join(host, 'a.txt'), 'alpha\n');
    writeFileSync(join(host, 'tree', 'sub', 'f'), 'deep\n');
    ok(['cp', join(host, 'a.txt'), 'web:/tmp/']);
    ok(['cp', join(host, 'a.txt'), 'web:/tmp/b.txt']);
    ok(['cp', join(host, 'tree'), 'web:/tmp/']);
    expect(ok(['exec', 'web', 'cat', '/tmp/a.txt', '/tmp/b.txt', '/tmp/tree/sub/f'])).toBe('alpha\nalpha\ndeep\n');
    ok(['cp', 'web:/tmp/tree', join(host, 'back')]);
    expect(readFileSync(join(host, 'back', 'sub', 'f'), 'utf8')).toBe('deep\n');
    ok(['cp', 'web:/etc/hostname', join(host, 'hn')]);
    expect(readFileSync(join(host, 'hn'), 'utf8').trim()).toBe(id.slice(0, 12));
    const miss = strata(['cp', 'web:/nope', join(host, 'x')]);
    expect(miss.code).toBe(1);
    expect(miss.stderr).toMatch(/^Error response from daemon: .*\/nope/);
  });

  it('stop, start, restart, kill -s, wait, rm -f', () => {
    expect(ok(['stop', '-t', '1', 'web'])).toBe('web\n');
    expect(ok(['inspect', '-f', '{{.State.Running}}', 'web'])).toBe('false\n');
    expect(ok(['start', 'web'])).toBe('web\n');
    expect(ok(['restart', '-t', '1', 'web'])).toBe('web\n');
    expect(ok(['inspect', '-f', '{{.State.Running}}', 'web'])).toBe('true\n');
    const waiter = spawn(STRATA, ['wait', 'web'], { env: { ...d.env, STRATA_HOST: `unix://${d.socket}` } });
    let out = '';
    waiter.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    const exited = new Promise<number | null>((r) => waiter.once('close', r));
    // The shell exec'd sleep as pid 1, which ignores TERM: KILL it.
    expect(ok(['kill', '-s', 'KILL', 'web'])).toBe('web\n');
    return exited.then((code) => {
      expect(code).toBe(0);
      expect(out).toBe('137\n');
      const rm = strata(['rm', 'web', 'nope-container']);
      expect(rm.stdout).toBe('web\n');
      expect(rm.stderr).toMatch(/No such container: nope-container/);
      expect(rm.code).toBe(1);
      expect(strata(['rm', '-f', 'nope-container']).code).toBe(0);
    });
  });
});

describe('images, volumes, networks, system', () => {
  it('images, tag, save | load, rmi, history', () => {
    expect(ok(['images'])).toMatch(/^REPOSITORY\s+TAG\s+IMAGE ID\s+CREATED\s+SIZE\n[\s\S]*busybox\s+latest\s+[0-9a-f]{12}\s/);
    ok(['tag', 'busybox:latest', 'mybox:1']);
    expect(ok(['images', '--format', '{{.Repository}}:{{.Tag}}']).split('\n').sort().join(' ')).toContain('mybox:1');
    const tar = join(d.dir, 'img.tar');
    ok(['save', '-o', tar, 'mybox:1']);
    expect(ok(['rmi', 'mybox:1'])).toMatch(/^Untagged: mybox:1/);
    expect(ok(['load', '-i', tar])).toMatch(/Loaded image: mybox:1/);
    expect(ok(['images', '-q', 'mybox'])).toMatch(/^[0-9a-f]{12}\n$/);
    expect(ok(['history', 'busybox'])).toMatch(/^IMAGE\s+CREATED\s+CREATED BY\s+SIZE\s+COMMENT/);
    expect(strata(['rmi', 'nope:1']).stderr).toMatch(/^Error response from daemon: .*nope/);
  });

  it('volume and network verbs', (t) => {
    // stratad grows these endpoints separately; until then skip, visibly.
    if (/page not found/.test(strata(['volume', 'ls']).stderr)) t.skip();
    expect(ok(['volume', 'create', 'v1'])).toBe('v1\n');
    expect(ok(['volume', 'ls', '-q'])).toContain('v1\n');
    expect(ok(['volume', 'inspect', '-f', '{{.Name}} {{.Driver}}', 'v1'])).toBe('v1 local\n');
    expect(ok(['volume', 'rm', 'v1'])).toBe('v1\n');
    const nid = ok(['network', 'create', 'n1']).trim();
    expect(nid).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(['network', 'ls', '--format', '{{.Name}}'])).toMatch(/bridge[\s\S]*n1|n1[\s\S]*bridge/);
    expect(ok(['network', 'inspect', '-f', '{{.Name}}', 'n1'])).toBe('n1\n');
    expect(ok(['network', 'rm', 'n1'])).toBe('n1\n');
  });

  it('version shows the client and each server layer; info; events --since/--until', () => {
    const v = ok(['version']);
    expect(v).toMatch(/^Client: strata\n/);
    expect(v).toMatch(/\nServer: /);
    expect(v).toMatch(/strata-lifecycled/);
    expect(ok(['info'])).toMatch(/^Server:\n Containers: \d+/);
    const since = Math.floor(Date.now() / 1000) - 1;
    ok(['run', '--rm', '--name', 'evt', 'busybox', 'true']);
    const ev = ok(['events', '--since', String(since), '--until', String(Math.floor(Date.now() / 1000) + 1), '--filter', 'container=evt', '--format', '{{.Action}}']);
    expect(ev.split('\n').filter(Boolean)).toEqual(expect.arrayContaining(['create', 'start', 'die', 'destroy']));
  });
});

describe('strata engine', () => {
  it('status, restart daemon and restart lifecycle keep containers and a logs -f follower', async () => {
    const st = strata(['engine', 'status', ...flags]);
    expect(st.code).toBe(0);
    expect(st.stdout).toMatch(/strata-lifecycled\s+\d+\s+running/);
    expect(st.stdout).toMatch(/stratad\s+\d+\s+running/);
    ok(['run', '-d', '--name', 'counter', 'busybox', 'sh', '-c', 'i=0; while [ $i -lt 80 ]; do echo line $i; i=$((i+1)); sleep 0.05; done; sleep 600']);
    const pid = ok(['inspect', '-f', '{{.State.Pid}}', 'counter']).trim();
    const follower = spawn(STRATA, ['logs', '-f', 'counter'], { env: { ...d.env, STRATA_HOST: `unix://${d.socket}` } });
    let followed = '';
    follower.stdout.setEncoding('utf8').on('data', (s: string) => (followed += s));
    await until(() => followed.includes('line 5\n'), 10_000, 'the follower to start');
    const daemonPid = /stratad\s+(\d+)/.exec(st.stdout)?.[1];
    expect(ok(['engine', 'restart', 'daemon', ...flags])).toMatch(/stratad: started \(pid \d+\)/);
    expect(/stratad\s+(\d+)/.exec(ok(['engine', 'status', ...flags]))?.[1]).not.toBe(daemonPid);
    expect(ok(['engine', 'restart', 'lifecycle', ...flags])).toMatch(/strata-lifecycled: started/);
    expect(ok(['inspect', '-f', '{{.State.Running}} {{.State.Pid}}', 'counter'])).toBe(`true ${pid}\n`);
    await until(() => followed.includes('line 79\n'), 20_000, 'the follower to see line 79');
    follower.kill();
    const lines = followed.split('\n').filter(Boolean);
    expect(lines).toEqual(Array.from({ length: 80 }, (_, i) => `line ${i}`));
    ok(['rm', '-f', 'counter']);
  }, 90_000);
});
