// stratad's core, driven by the real docker CLI (and raw HTTP for what the
// CLI cannot send): version/info, the container lifecycle
// (create/start/ps/inspect/stop/kill/restart/pause/rename/rm), exit codes
// through wait and `run --rm`, the error contract (409 name conflict, 404
// unknown image, 400 bad input that creates nothing, 404 page not found,
// 503 naming lifecycled's socket), events with --since/--until and the
// request log.
import { describe, expect, it } from 'vitest';

import { until } from '../helpers/engine.ts';
import { stratadSuite, type Stratad } from '../helpers/stratad.ts';

let d: Stratad;
stratadSuite((s) => (d = s));

const inspect = async (ref: string) => JSON.parse(await d.dockerOk(['inspect', ref])) as [Record<string, any>];

describe('system', () => {
  it('docker version shows the strata server and its layers', async () => {
    const out = await d.dockerOk(['version']);
    expect(out).toMatch(/Server: strata/);
    expect(out).toMatch(/API version:\s+1\.50 \(minimum version 1\.24\)/);
    expect(out).toMatch(/strata-lifecycled/);
    expect(out).toMatch(/strata-runtime/);
  });

  it('_ping answers HEAD and GET with the negotiation headers', async () => {
    const head = await d.http('HEAD', '/_ping');
    expect(head.status).toBe(200);
    expect(head.headers['api-version']).toBe('1.50');
    expect(head.headers['ostype']).toBe('linux');
    const get = await d.http('GET', '/v1.44/_ping');
    expect(get.body).toBe('OK');
  });

  it('docker info reports counts, cgroup driver and runtime', async () => {
    const info = JSON.parse(await d.dockerOk(['info', '--format', '{{json .}}'])) as Record<string, unknown>;
    expect(info.CgroupDriver).toBe('cgroupfs');
    expect(info.Images).toBeGreaterThanOrEqual(1);
    expect(info.DefaultRuntime).toBe('strata-runtime');
    expect(typeof info.NCPU).toBe('number');
    expect(info.ServerVersion).toBe('0.1.0');
  });

  it('unknown paths and versions out of range are refused as JSON', async () => {
    const r = await d.http('GET', '/v1.50/nope');
    expect(r.status).toBe(404);
    expect(r.headers['content-type']).toBe('application/json');
    expect(JSON.parse(r.body)).toEqual({ message: 'page not found' });
    const tooNew = await d.http('GET', '/v1.99/version');
    expect(tooNew.status).toBe(400);
    expect(JSON.parse(tooNew.body).message).toMatch(/too new/);
  });
});

describe('containers', () => {
  it('create, start, ps -a, inspect, stop, rm', async () => {
    const id = await d.dockerOk(['create', '--name', 'life', '-e', 'A=1', '-w', '/tmp', '--label', 'k=v', 'busybox', 'sleep', '300']);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await d.dockerOk(['ps', '-a', '--filter', 'name=life', '--format', '{{.Names}} {{.Status}}'])).toBe('life Created');
    await d.dockerOk(['start', 'life']);
    const [running] = await inspect('life');
    expect(running.State.Running).toBe(true);
    expect(running.State.Pid).toBeGreaterThan(0);
    expect(running.Name).toBe('/life');
    expect(running.Config.Env).toContain('A=1');
    expect(running.Config.Labels).toEqual({ k: 'v' });
    expect(running.Path).toBe('sleep');
    expect(running.Args).toEqual(['300']);
    expect(await d.dockerOk(['ps', '--filter', 'label=k=v', '--format', '{{.Names}}'])).toBe('life');
    expect(await d.dockerOk(['ps', '--format', '{{.Status}}', '--filter', `id=${id.slice(0, 12)}`])).toMatch(/^Up /);
    // start again: 304, still success
    await d.dockerOk(['start', 'life']);
    const rm = await d.docker(['rm', 'life']);
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toContain('cannot remove container "/life": container is running: stop the container before removing or force remove');
    await d.dockerOk(['stop', '-t', '1', 'life']);
    const [stopped] = await inspect('life');
    expect(stopped.State.Status).toBe('exited');
    expect(stopped.State.ExitCode).toBe(137); // busybox sleep as pid 1 ignores SIGTERM
    expect(await d.dockerOk(['ps', '-a', '--filter', 'status=exited', '--format', '{{.Names}}'])).toContain('life');
    await d.dockerOk(['rm', 'life']);
    expect((await d.docker(['inspect', 'life'])).stderr).toMatch(/No such object: life/);
  });

  it('run -d + wait gives the exit code; run --rm propagates it', async () => {
    const id = await d.dockerOk(['run', '-d', 'busybox', 'sh', '-c', 'exit 3']);
    expect(await d.dockerOk(['wait', id])).toBe('3');
    const [c] = await inspect(id);
    expect(c.State.ExitCode).toBe(3);
    await d.dockerOk(['rm', id]);
    const r = await d.docker(['run', '--rm', 'busybox', 'sh', '-c', 'echo out; exit 3']);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('out\n');
  });

  it('kill with a signal name, restart, pause/unpause, rename, rm -f', async () => {
    await d.dockerOk(['run', '-d', '--name', 'k1', 'busybox', 'sh', '-c', 'trap "exit 7" USR1; while true; do sleep 0.1; done']);
    await d.dockerOk(['kill', '-s', 'USR1', 'k1']);
    expect(await d.dockerOk(['wait', 'k1'])).toBe('7');
    const notRunning = await d.docker(['kill', 'k1']);
    expect(notRunning.stderr).toMatch(/is not running/);
    await d.dockerOk(['restart', '-t', '1', 'k1']);
    const [r1] = await inspect('k1');
    expect(r1.State.Running).toBe(true);
    await d.dockerOk(['pause', 'k1']);
    expect((await inspect('k1'))[0].State.Status).toBe('paused');
    await d.dockerOk(['unpause', 'k1']);
    expect((await inspect('k1'))[0].State.Status).toBe('running');
    await d.dockerOk(['rename', 'k1', 'k2']);
    expect((await inspect('k2'))[0].Name).toBe('/k2');
    await d.dockerOk(['rm', '-f', 'k2']);
    expect(await d.dockerOk(['ps', '-a', '-q', '--filter', 'name=k2'])).toBe('');
  });

  it('Docker defaults reach the container: hostname, hosts, resolv.conf, caps, seccomp, limits', async () => {
    const out = await d.dockerOk(['run', '--rm', '--hostname', 'box1', '-m', '64m', '--pids-limit', '50', 'busybox', 'sh', '-c',
      'hostname; grep -c box1 /etc/hosts; test -s /etc/resolv.conf && echo resolv; grep -E "^(CapEff|Seccomp):" /proc/self/status; ip link 2>/dev/null | grep -c "^[0-9]"']);
    const lines = out.split('\n');
    expect(lines[0]).toBe('box1');
    expect(lines[1]).toBe('1');
    expect(lines[2]).toBe('resolv');
    expect(out).toMatch(/CapEff:\s+00000000a80425fb/); // Docker's 14 default capabilities
    expect(out).toMatch(/Seccomp:\s+2/);
  });

  it('binds: a host dir read-only', async () => {
    const out = await d.dockerOk(['run', '--rm', '-v', `${d.engine.dir}:/host:ro`, 'busybox', 'sh', '-c', 'ls /host >/dev/null && echo seen; touch /host/x 2>&1 || echo refused']);
    expect(out).toContain('seen');
    expect(out).toContain('refused');
  });
});

describe('update, prune, df', () => {
  it('docker update changes limits and the restart policy; container prune removes stopped ones; system df answers', async () => {
    await d.dockerOk(['run', '-d', '--name', 'up1', 'busybox', 'sleep', '300']);
    await d.dockerOk(['update', '--memory', '100m', '--memory-swap', '200m', '--pids-limit', '40', '--restart', 'on-failure:3', 'up1']);
    const [c] = await inspect('up1');
    expect(c.HostConfig.Memory).toBe(100 * 1024 * 1024);
    expect(c.HostConfig.PidsLimit).toBe(40);
    expect(c.HostConfig.RestartPolicy).toEqual({ Name: 'on-failure', MaximumRetryCount: 3 });
    const limit = await d.dockerOk(['exec', 'up1', 'sh', '-c', 'cat /sys/fs/cgroup/memory.max 2>/dev/null || cat /sys/fs/cgroup/memory/memory.limit_in_bytes']).catch(() => '');
    if (limit) expect(limit).toBe(String(100 * 1024 * 1024));
    await d.dockerOk(['create', '--name', 'pr1', 'busybox', 'true']);
    const pruned = await d.dockerOk(['container', 'prune', '-f']);
    expect(pruned).toMatch(/Deleted Containers:/);
    expect((await d.docker(['inspect', 'pr1'])).code).not.toBe(0);
    expect((await inspect('up1'))[0].State.Running).toBe(true);
    expect(await d.dockerOk(['system', 'df'])).toMatch(/Containers\s+1\s+1/);
    await d.dockerOk(['rm', '-f', 'up1']);
  });
});

describe('listening', () => {
  it('plain TCP is refused unless --insecure-tcp and loopback', async () => {
    const { spawnSync } = await import('node:child_process');
    const bin = process.env.STRATAD || `${import.meta.dirname}/../../bin/stratad`;
    const common = ['--data-root', `${d.engine.dir}/tcp-data`, '--exec-root', d.engine.execRoot];
    const plain = spawnSync(process.execPath, [bin, ...common, '-H', 'tcp://127.0.0.1:23750'], { encoding: 'utf8', timeout: 10_000 });
    expect(plain.status).toBe(1);
    expect(plain.stderr).toMatch(/refusing plain TCP/);
    const wide = spawnSync(process.execPath, [bin, ...common, '-H', 'tcp://0.0.0.0:23750', '--insecure-tcp'], { encoding: 'utf8', timeout: 10_000 });
    expect(wide.status).toBe(1);
    expect(wide.stderr).toMatch(/only allowed on a loopback address/);
  });
});

describe('errors', () => {
  it('a duplicate name is a 409 with Docker\'s message', async () => {
    const id = await d.dockerOk(['create', '--name', 'dup', 'busybox', 'true']);
    const r = await d.docker(['create', '--name', 'dup', 'busybox', 'true']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain(`Conflict. The container name "/dup" is already in use by container "${id}". You have to remove (or rename) that container to be able to reuse that name.`);
    await d.dockerOk(['rm', 'dup']);
  });

  it('an unknown image is a 404 "No such image"', async () => {
    const r = await d.docker(['create', '--pull=never', 'nosuchimage']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('No such image: nosuchimage:latest');
    const raw = await d.http('POST', '/containers/create', JSON.stringify({ Image: 'nosuchimage' }));
    expect(raw.status).toBe(404);
    expect(raw.headers['content-type']).toBe('application/json');
  });

  it('bad input gets 400 with a message and creates nothing', async () => {
    const before = (await d.engine.client().containers.list()).length;
    const cases: [string, RegExp][] = [
      ['{bad', /invalid JSON/],
      [JSON.stringify({ Image: 'busybox', Cmd: 5 }), /invalid Cmd/],
      [JSON.stringify({ Image: 'busybox', Tty: 'yes' }), /invalid Tty/],
      [JSON.stringify({ Image: 'busybox', HostConfig: { Memory: 'lots' } }), /invalid HostConfig.Memory/],
      [JSON.stringify({ Image: 'busybox', HostConfig: { RestartPolicy: { Name: 'sometimes' } } }), /invalid restart policy/],
      [JSON.stringify({ Image: 'busybox', HostConfig: { Binds: ['relative:rel'] } }), /invalid volume specification/],
      [JSON.stringify([1, 2]), /expected a JSON object/],
      [JSON.stringify({ Cmd: ['true'] }), /no image specified/],
    ];
    for (const [body, msg] of cases) {
      const r = await d.http('POST', '/v1.50/containers/create?name=bad1', body);
      expect(r.status, body).toBe(400);
      expect(r.headers['content-type']).toBe('application/json');
      expect(JSON.parse(r.body).message).toMatch(msg);
    }
    const badName = await d.http('POST', '/containers/create?name=-x', JSON.stringify({ Image: 'busybox' }));
    expect(badName.status).toBe(400);
    const big = await d.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', Labels: { big: 'x'.repeat(2 * 1024 * 1024) } }));
    expect(big.status).toBe(413);
    expect(JSON.parse(big.body).message).toMatch(/request body too large/);
    expect((await d.http('GET', '/containers/json?all=1&filters=%7B%22name%22%3A%7B%22bad1%22%3Atrue%7D%7D')).body).toBe('[]\n');
    expect((await d.engine.client().containers.list()).length).toBe(before);
  });

  it('lifecycled down: 503 naming it and its socket; back when it returns', async () => {
    await d.engine.stop();
    try {
      const r = await d.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox' }));
      expect(r.status).toBe(503);
      expect(JSON.parse(r.body).message).toContain(`strata-lifecycled is not reachable at unix://${d.engine.socket}`);
    } finally {
      await d.engine.restart();
    }
    await until(async () => (await d.docker(['run', '--rm', 'busybox', 'true'])).code === 0, 15_000, 'stratad to use lifecycled again');
  });
});

describe('events and the request log', () => {
  it('events --since/--until shows create, start, die, destroy with attributes', async () => {
    const since = Math.floor(Date.now() / 1000) - 1;
    const id = await d.dockerOk(['run', '-d', '--name', 'ev1', 'busybox', 'sh', '-c', 'exit 2']);
    await d.dockerOk(['wait', id]);
    await d.dockerOk(['rm', 'ev1']);
    const until = Math.floor(Date.now() / 1000) + 1;
    const out = await d.dockerOk(['events', '--since', String(since), '--until', String(until), '--filter', 'container=ev1', '--format', '{{json .}}']);
    const evs = out.split('\n').map((l) => JSON.parse(l) as { Action: string; Actor: { ID: string; Attributes: Record<string, string> } });
    expect(evs.map((e) => e.Action)).toEqual(['create', 'start', 'die', 'destroy']);
    expect(evs[2]?.Actor.Attributes.exitCode).toBe('2');
    expect(evs.every((e) => e.Actor.ID === id && e.Actor.Attributes.name === 'ev1' && e.Actor.Attributes.image === 'busybox')).toBe(true);
  });

  it('GET /strata/requests lists calls; follow=1 streams NDJSON', async () => {
    await d.dockerOk(['ps']);
    const list = JSON.parse((await d.http('GET', '/strata/requests')).body) as { method: string; path: string; status: number; latencyMs: number; pid: null }[];
    const ps = list.filter((r) => r.path.startsWith('/v1.50/containers/json'));
    expect(ps.length).toBeGreaterThan(0);
    expect(ps.at(-1)).toMatchObject({ method: 'GET', status: 200, pid: null });
    const { request } = await import('node:http');
    const lines: string[] = [];
    await new Promise<void>((resolve, reject) => {
      const req = request({ socketPath: d.socket, path: '/strata/requests?follow=1' }, (res) => {
        expect(res.headers['content-type']).toBe('application/x-ndjson');
        let buf = '';
        res.setEncoding('utf8').on('data', (chunk: string) => {
          buf += chunk;
          const parts = buf.split('\n');
          buf = parts.pop() ?? '';
          lines.push(...parts);
          if (lines.some((l) => l.includes('/v1.50/info'))) {
            req.destroy();
            resolve();
          }
        });
      });
      req.on('error', reject);
      req.end();
      setTimeout(() => void d.docker(['info']), 200);
    });
    expect(lines.every((l) => typeof JSON.parse(l).id === 'number')).toBe(true);
  });
});
