// The strata CLI's network verbs and -p/-P/--network flags against an
// isolated stratad with its own bridge, subnet, nft table and veth prefix:
// network create (--subnet/--gateway), ls, inspect, connect (--alias),
// disconnect, rm, prune; run -p 127.0.0.1:PORT:80 reached from the host;
// -P; --network-alias and --ip on a user network; bad -p specs refused
// before anything is created; and with an engine run by `strata engine`
// (its network names from <data-root>/network.json), a loop of requests to
// a published port across `strata engine restart daemon` and `restart
// lifecycle` with zero failures.  Traffic only to 127.0.0.1 and to addresses
// on the engine's own bridges.
import { spawn, spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { get } from 'node:http';
import { join } from 'node:path';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HTTPD, requestLoop, waitHttp } from '../helpers/host-network.ts';

import { cliEngineRoots, type CliEngine } from '../helpers/cli-engine.ts';
import { importBusybox, startEngine, type Engine } from '../helpers/engine.ts';
import { makeBusyboxTarball } from '../helpers/image.ts';
import { startStratad, type Stratad } from '../helpers/stratad.ts';

// STRATA_CLI runs the tests against another build of the CLI; by default the bundled bin/strata.
const STRATA = process.env.STRATA_CLI || join(import.meta.dirname, '..', '..', 'bin', 'strata');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let engine: Engine | undefined;
let s: Stratad | undefined;
let bridge = '';
let prefix = '';
let octet = 0;

function strata(args: string[]): { code: number | null; stdout: string; stderr: string } {
  const cmd = STRATA.endsWith('.mjs') ? process.execPath : STRATA;
  const argv = STRATA.endsWith('.mjs') ? [STRATA, ...args] : args;
  const r = spawnSync(cmd, argv, { env: { ...process.env, STRATA_HOST: s?.host ?? '' }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function ok(args: string[]): string {
  const r = strata(args);
  if (r.code !== 0) throw new Error(`strata ${args.join(' ')}: exit ${r.code}\n${r.stderr}${r.stdout}`);
  return r.stdout.trim();
}

const ours = () => readdirSync('/sys/class/net').filter((l) => l.startsWith(prefix) || l === bridge);

beforeAll(async () => {
  engine = await startEngine();
  await importBusybox(engine);
  s = await startStratad(engine);
  if (!s.net) throw new Error('no isolated network');
  ({ bridge, prefix, octet } = s.net);
}, 120_000);

afterAll(async () => {
  try {
    if (s) {
      const ids = ok(['ps', '-aq']);
      if (ids) strata(['rm', '-f', ...ids.split('\n')]);
      strata(['network', 'prune', '-f']);
      expect(ours().filter((l) => l !== bridge)).toEqual([]);
      await s.teardown();
    } else await engine?.teardown();
  } finally {
    await s?.net?.cleanup(); // s.teardown did it; again here if it threw
  }
  expect(ours()).toEqual([]);
}, 120_000);

describe('strata network', () => {
  it('create, ls, inspect, connect, disconnect, rm and prune', async () => {
    const id = ok(['network', 'create', '--subnet', `10.${octet}.50.0/24`, '--gateway', `10.${octet}.50.1`, '--label', 'k=v', 'cn1']);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(ok(['network', 'ls', '--format', '{{.Name}}']).split('\n').sort()).toEqual(['bridge', 'cn1', 'host', 'none']);
    expect(JSON.parse(ok(['network', 'inspect', '-f', '{{json .IPAM.Config}}', 'cn1']))).toEqual([{ Subnet: `10.${octet}.50.0/24`, Gateway: `10.${octet}.50.1` }]);
    ok(['run', '-d', '--name', 'c1', 'busybox', 'sleep', '600']);
    ok(['network', 'connect', '--alias', 'one', '--ip', `10.${octet}.50.77`, 'cn1', 'c1']);
    expect(ok(['exec', 'c1', 'ip', '-o', '-4', 'addr', 'show', 'eth1'])).toContain(`inet 10.${octet}.50.77/24`);
    ok(['run', '-d', '--name', 'c2', '--network', 'cn1', '--network-alias', 'two', 'busybox', ...HTTPD]);
    expect(ok(['exec', 'c1', 'wget', '-qO-', 'http://two/name'])).toMatch(/^[0-9a-f]{12}$/);
    expect(ok(['exec', 'c2', 'ping', '-c1', '-W2', 'one'])).toMatch(/1 packets received/);
    const rm = strata(['network', 'rm', 'cn1']);
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toMatch(/active endpoints/);
    ok(['network', 'disconnect', 'cn1', 'c1']);
    expect(ok(['exec', 'c1', 'ip', '-o', 'link'])).not.toMatch(/eth1/);
    ok(['rm', '-f', 'c1', 'c2']);
    expect(ok(['network', 'rm', 'cn1'])).toBe('cn1');
    ok(['network', 'create', 'cn2']);
    expect(ok(['network', 'prune', '-f'])).toMatch(/cn2/);
    expect(ok(['network', 'ls', '-q', '--filter', 'type=custom'])).toBe('');
  });

  it('run -p 127.0.0.1:PORT:80 and -P reach the container from the host', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    ok(['run', '-d', '--name', 'web', '--hostname', 'webhost', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    expect(await waitHttp(port, '/name')).toBe('webhost\n');
    expect(ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'web'])).toBe(`{"80/tcp":[{"HostIp":"127.0.0.1","HostPort":"${port}"}]}`);
    ok(['run', '-d', '--name', 'all', '--expose', '80', '-P', 'busybox', ...HTTPD]);
    const ports = JSON.parse(ok(['inspect', '-f', '{{json .NetworkSettings.Ports}}', 'all'])) as Record<string, { HostIp: string; HostPort: string }[]>;
    const host = Number(ports['80/tcp']?.[0]?.HostPort);
    expect(host).toBeGreaterThan(0);
    expect(await waitHttp(host, '/name')).toMatch(/^[0-9a-f]{12}\n$/);
    ok(['rm', '-f', 'web', 'all']);
  });

  it('refuses bad -p specs and --network-alias off a user network before creating anything', () => {
    for (const spec of ['127.0.0.1:abc:80', '80/sctp', '0:80', '8080:70000', '1-3:80-81', 'not-an-ip:8080:80']) {
      const r = strata(['run', '-d', '-p', spec, 'busybox', 'true']);
      expect(r.code, spec).not.toBe(0);
      expect(r.stderr, spec).toMatch(/invalid port specification/);
    }
    const alias = strata(['run', '-d', '--network-alias', 'x', 'busybox', 'true']);
    expect(alias.code).not.toBe(0);
    expect(alias.stderr).toMatch(/user-defined network/);
    const unknown = strata(['run', '-d', '--network', 'no-such', 'busybox', 'true']);
    // A 404 from create makes the CLI try a pull first (Docker's CLI does the same).
    expect(unknown.code).not.toBe(0);
    expect(ok(['ps', '-aq'])).toBe('');
  });
});

describe('strata engine restarts', () => {
  let e: CliEngine | undefined;
  let ebridge = '';

  beforeAll(async () => {
    e = cliEngineRoots('/tmp/snr-');
    ebridge = e.net.bridge;
    const r = e.strata(['engine', 'start', ...e.flags]);
    if (r.code !== 0) throw new Error(`strata engine start: exit ${r.code}\n${r.stderr}${e.logs()}`);
    const imp = e.docker(['import', makeBusyboxTarball(join(e.dir, 'busybox.tar')), 'busybox:latest']);
    if (imp.code !== 0) throw new Error(`docker import: ${imp.stderr}`);
  }, 120_000);

  afterAll(async () => {
    await e?.teardown();
  }, 120_000);

  /** `strata engine ...` without blocking the event loop (the request loop runs meanwhile). */
  function strataAsync(args: string[]): Promise<number | null> {
    return new Promise((resolve) => {
      const c = STRATA.endsWith('.mjs') ? spawn(process.execPath, [STRATA, ...args], { env: e?.env, stdio: 'ignore' }) : spawn(STRATA, args, { env: e?.env, stdio: 'ignore' });
      c.on('close', (code) => resolve(code));
    });
  }

  it('a published port answers every request across `strata engine restart daemon` and `restart lifecycle`', async () => {
    if (!e) throw new Error('no engine');
    const port = 20000 + Math.floor(Math.random() * 20000);
    const run = e.docker(['run', '-d', '--name', 'steady', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    if (run.code !== 0) throw new Error(`docker run: ${run.stderr}\n${e.logs()}`);
    expect(readdirSync('/sys/class/net')).toContain(ebridge);
    await waitHttp(port, '/name');
    const loop = requestLoop(port, '/name');
    await sleep(300);
    expect(await strataAsync(['engine', 'restart', 'daemon', ...e.flags])).toBe(0);
    await sleep(300);
    expect(await strataAsync(['engine', 'restart', 'lifecycle', ...e.flags])).toBe(0);
    await sleep(300);
    const { served, failures } = await loop.stop();
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(20);
    expect(e.docker(['rm', '-f', 'steady']).code).toBe(0);
  });
});
