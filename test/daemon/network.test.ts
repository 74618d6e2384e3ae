// Networks and published ports through the real docker CLI at an isolated
// stratad with its own bridge, subnet, nft table and veth prefix (so it runs
// beside other engines): predefined networks, user networks (create, ls,
// inspect, rm, prune, connect, disconnect), name resolution on a user
// network, -p 127.0.0.1:PORT:80 and -P to busybox httpd reached from the
// host, a request loop across stratad and lifecycled restarts with zero
// failures, kill -9 of stratad mid-create leaving nothing behind, the none,
// host and container: modes, and errors that create nothing.  Traffic only
// to 127.0.0.1 and to container addresses on the engine's own bridges.
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { importBusybox, runCommand, startEngine, until, type Engine } from '../helpers/engine.ts';
import { fetchLocal, HTTPD, requestLoop, waitHttp, type HostNetwork } from '../helpers/host-network.ts';
import { startStratad, type Stratad } from '../helpers/stratad.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let engine: Engine | undefined;
let s: Stratad;
let net: HostNetwork;
let bridge = '';
let table = '';
let prefix = '';
let octet = 0;

const ours = () => net.links();
const nftTable = () => net.nftTable();

async function ids(): Promise<string[]> {
  const out = await s.dockerOk(['ps', '-aq', '--no-trunc']);
  return out ? out.split('\n') : [];
}

// This engine turns net.ipv4.ip_forward on (as dockerd does); the value it found comes back after.
const IP_FORWARD = '/proc/sys/net/ipv4/ip_forward';
const ipForwardBefore = readFileSync(IP_FORWARD, 'utf8').trim();

beforeAll(async () => {
  engine = await startEngine();
  await importBusybox(engine);
  s = await startStratad(engine, ['--ip-forward=true']);
  if (!s.net) throw new Error('no isolated network');
  ({ bridge, table, prefix, octet } = s.net);
  net = s.net;
}, 120_000);

afterAll(async () => {
  writeFileSync(IP_FORWARD, ipForwardBefore);
  const problems: string[] = [];
  try {
    if (s) {
      const all = await ids().catch(() => []);
      if (all.length) await s.docker(['rm', '-f', ...all]);
      await s.docker(['network', 'prune', '-f']);
      // Containers and user networks gone: no veth, no user bridge, no DNAT rule of ours.
      const left = ours().filter((l) => l !== bridge);
      if (left.length) problems.push(`links left: ${left.join(' ')}`);
      await until(async () => !/dnat to/.test(await nftTable()), 5000, 'port rules gone').catch(async () => problems.push(`nft rules left:\n${await nftTable()}`));
      await s.teardown();
    } else await engine?.teardown();
  } finally {
    // The engine-level objects (like docker0): s.teardown removes them; again here if it threw.
    if (net) for (const l of await net.cleanup()) problems.push(`veth left: ${l}`);
  }
  expect(ours()).toEqual([]);
  expect(await nftTable()).toBe('');
  expect(problems).toEqual([]);
}, 120_000);

describe('networks', () => {
  it('has the predefined bridge, host and none networks; they cannot be removed', async () => {
    const ls = await s.dockerOk(['network', 'ls', '--format', '{{.Name}} {{.Driver}} {{.Scope}}']);
    expect(ls.split('\n').sort()).toEqual(['bridge bridge local', 'host host local', 'none null local']);
    const insp = JSON.parse(await s.dockerOk(['network', 'inspect', 'bridge'])) as { IPAM: { Config: { Subnet: string; Gateway: string }[] }; Options: Record<string, string> }[];
    expect(insp[0]?.IPAM.Config[0]).toEqual({ Subnet: `10.${octet}.0.0/24`, Gateway: `10.${octet}.0.1` });
    expect(insp[0]?.Options['com.docker.network.bridge.name']).toBe(bridge);
    const rm = await s.docker(['network', 'rm', 'bridge']);
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toMatch(/pre-defined network and cannot be removed/);
    const r = await s.http('DELETE', '/networks/host');
    expect(r.status).toBe(403);
  });

  it('creates, lists, inspects, removes and prunes user networks', async () => {
    const id = await s.dockerOk(['network', 'create', '--label', 'team=net', 'n-life']);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const dup = await s.docker(['network', 'create', 'n-life']);
    expect(dup.code).not.toBe(0);
    expect(dup.stderr).toMatch(/already exists/);
    const withSubnet = await s.dockerOk(['network', 'create', '--subnet', `10.${octet}.200.0/24`, '--gateway', `10.${octet}.200.254`, 'n-sub']);
    const over = await s.docker(['network', 'create', '--subnet', `10.${octet}.200.128/25`, 'n-over']);
    expect(over.code).not.toBe(0);
    expect(over.stderr).toMatch(/overlaps/);
    const insp = JSON.parse(await s.dockerOk(['network', 'inspect', 'n-sub'])) as { Id: string; Driver: string; IPAM: { Config: { Subnet: string; Gateway: string }[] } }[];
    expect(insp[0]?.Id).toBe(withSubnet);
    expect(insp[0]?.IPAM.Config[0]).toEqual({ Subnet: `10.${octet}.200.0/24`, Gateway: `10.${octet}.200.254` });
    const life = JSON.parse(await s.dockerOk(['network', 'inspect', id.slice(0, 12)])) as { Name: string; Labels: Record<string, string>; IPAM: { Config: { Subnet: string }[] }; Options: Record<string, string> }[];
    expect(life[0]?.Name).toBe('n-life');
    expect(life[0]?.Labels).toEqual({ team: 'net' });
    expect(life[0]?.IPAM.Config[0]?.Subnet).toMatch(new RegExp(`^10\\.${octet}\\.\\d+\\.0/24$`));
    // Its bridge exists on the host, named with the engine's prefix and addressed with the gateway.
    const br = ours().filter((l) => l.startsWith(`${prefix}-`));
    expect(br.length).toBe(2);
    expect(await s.dockerOk(['network', 'ls', '-q', '--filter', 'label=team=net', '--no-trunc'])).toBe(id);
    expect(await s.dockerOk(['network', 'ls', '--filter', 'type=custom', '--format', '{{.Name}}'])).toBe('n-life\nn-sub');
    await s.dockerOk(['network', 'rm', 'n-sub']);
    // An internal network: an address on it, but no way out (no default route).
    await s.dockerOk(['network', 'create', '--internal', 'n-int']);
    const routes = await s.dockerOk(['run', '--rm', '--network', 'n-int', 'busybox', 'ip', 'route']);
    expect(routes).toMatch(new RegExp(`^10\\.${octet}\\.\\d+\\.0/24 dev eth0`, 'm'));
    expect(routes).not.toMatch(/default/);
    const pruned = await s.dockerOk(['network', 'prune', '-f']);
    expect(pruned).toMatch(/n-life/);
    expect(pruned).toMatch(/n-int/);
    expect(await s.dockerOk(['network', 'ls', '--filter', 'type=custom', '-q'])).toBe('');
    expect(ours().filter((l) => l.startsWith(`${prefix}-`))).toEqual([]);
    const gone = await s.docker(['network', 'inspect', 'n-life']);
    expect(gone.code).not.toBe(0);
    expect(gone.stderr).toMatch(/not found/);
  });

  it('two containers on a user network reach each other by name', async () => {
    await s.dockerOk(['network', 'create', 'n-pair']);
    await s.dockerOk(['run', '-d', '--name', 'web1', '--hostname', 'web1host', '--network', 'n-pair', 'busybox', ...HTTPD]);
    const out = await s.dockerOk(['run', '--rm', '--name', 'client1', '--network', 'n-pair', 'busybox', 'sh', '-c', 'ping -c1 -W2 web1 >/dev/null && wget -qO- http://web1/name']);
    expect(out).toBe('web1host');
    // The earlier container resolves the later one too (its /etc/hosts is rewritten in place).
    await s.dockerOk(['run', '-d', '--name', 'web2', '--network', 'n-pair', 'busybox', ...HTTPD]);
    const back = await s.dockerOk(['exec', 'web1', 'wget', '-qO-', 'http://web2/name']);
    expect(back).toMatch(/^[0-9a-f]{12}$/);
    const insp = JSON.parse(await s.dockerOk(['network', 'inspect', 'n-pair'])) as { Containers: Record<string, { Name: string; IPv4Address: string }> }[];
    expect(Object.values(insp[0]?.Containers ?? {}).map((c) => c.Name).sort()).toEqual(['web1', 'web2']);
    const rm = await s.docker(['network', 'rm', 'n-pair']);
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toMatch(/active endpoints/);
    await s.dockerOk(['rm', '-f', 'web1', 'web2']);
    await s.dockerOk(['network', 'rm', 'n-pair']);
  });

  it('publishes -p 127.0.0.1:PORT:80 to the host; docker port and ps show it; restart keeps the address', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const id = await s.dockerOk(['run', '-d', '--name', 'pub', '--hostname', 'pubhost', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    expect(await waitHttp(port, '/name')).toBe('pubhost\n');
    expect(await s.dockerOk(['port', 'pub'])).toBe(`80/tcp -> 127.0.0.1:${port}`);
    expect(await s.dockerOk(['ps', '--filter', `id=${id}`, '--format', '{{.Ports}}'])).toBe(`127.0.0.1:${port}->80/tcp`);
    const ip = await s.dockerOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'pub']);
    expect(ip).toMatch(new RegExp(`^10\\.${octet}\\.0\\.\\d+$`));
    expect(await s.dockerOk(['inspect', '-f', '{{.NetworkSettings.Networks.bridge.IPAddress}} {{.NetworkSettings.Gateway}}', 'pub'])).toBe(`${ip} 10.${octet}.0.1`);
    // A second container cannot take the port, and is not created.
    const before = (await ids()).length;
    const clash = await s.docker(['run', '-d', '--name', 'clash', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    expect(clash.code).not.toBe(0);
    expect(clash.stderr).toMatch(/port is already allocated/);
    expect((await ids()).length).toBe(before);
    await s.dockerOk(['restart', '-t', '1', 'pub']);
    expect(await s.dockerOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'pub'])).toBe(ip);
    expect(await waitHttp(port, '/name')).toBe('pubhost\n');
    await s.dockerOk(['rm', '-f', 'pub']);
    await expect(fetchLocal(port, '/', 500)).rejects.toThrow();
    await until(async () => !new RegExp(`dport ${port}`).test(await nftTable()), 5000, `the rule for port ${port} gone`);
  });

  it('a container restarted by its policy gets the same address, and its published port answers again', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    await s.dockerOk(['run', '-d', '--name', 'flaky', '--restart', 'on-failure', '-p', `127.0.0.1:${port}:80`, 'busybox', 'sh', '-c', 'mkdir -p /www && hostname > /www/name && httpd -p 80 -h /www && sleep 1 && exit 3']);
    const ip = await s.dockerOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'flaky']);
    await until(async () => Number(await s.dockerOk(['inspect', '-f', '{{.RestartCount}}', 'flaky'])) >= 1 && (await s.dockerOk(['inspect', '-f', '{{.State.Status}}', 'flaky'])) === 'running', 30_000, 'a restart by policy');
    expect(await s.dockerOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'flaky'])).toBe(ip);
    expect(await waitHttp(port, '/name')).toMatch(/^[0-9a-f]{12}\n$/);
    await s.dockerOk(['rm', '-f', 'flaky']);
  });

  it('-P publishes the exposed ports on free host ports', async () => {
    await s.dockerOk(['run', '-d', '--name', 'pall', '--expose', '80', '-P', 'busybox', ...HTTPD]);
    const line = await s.dockerOk(['port', 'pall', '80/tcp']);
    const m = /^0\.0\.0\.0:(\d+)$/.exec(line.split('\n')[0] ?? '');
    expect(m).not.toBeNull();
    expect(await waitHttp(Number(m?.[1]), '/name')).toMatch(/^[0-9a-f]{12}\n$/);
    await s.dockerOk(['rm', '-f', 'pall']);
  });

  it('connects and disconnects a running container live', async () => {
    await s.dockerOk(['network', 'create', 'n-live']);
    await s.dockerOk(['run', '-d', '--name', 'srv', '--network', 'n-live', 'busybox', ...HTTPD]);
    await s.dockerOk(['run', '-d', '--name', 'late', 'busybox', 'sleep', '600']);
    const srvIp = await s.dockerOk(['inspect', '-f', '{{(index .NetworkSettings.Networks "n-live").IPAddress}}', 'srv']);
    // Different bridges, and the host does not route between them here.
    expect((await s.docker(['exec', 'late', 'wget', '-qO-', '-T', '1', `http://${srvIp}/name`])).code).not.toBe(0);
    await s.dockerOk(['network', 'connect', '--alias', 'latecomer', 'n-live', 'late']);
    expect(await s.dockerOk(['exec', 'late', 'wget', '-qO-', 'http://srv/name'])).toMatch(/^[0-9a-f]{12}$/);
    expect(await s.dockerOk(['exec', 'srv', 'ping', '-c1', '-W2', 'latecomer'])).toMatch(/1 packets received/);
    const lateIp = await s.dockerOk(['inspect', '-f', '{{(index .NetworkSettings.Networks "n-live").IPAddress}}', 'late']);
    expect(await s.dockerOk(['exec', 'srv', 'cat', '/etc/hosts'])).toMatch(new RegExp(`^${lateIp.replace(/\./g, '\\.')}\t.*latecomer`, 'm'));
    const nets = await s.dockerOk(['inspect', '-f', '{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}', 'late']);
    expect(nets.trim().split(' ').sort()).toEqual(['bridge', 'n-live']);
    expect(await s.dockerOk(['exec', 'late', 'ip', '-o', 'link'])).toMatch(/eth1/);
    await s.dockerOk(['network', 'disconnect', 'n-live', 'late']);
    expect(await s.dockerOk(['exec', 'late', 'ip', '-o', 'link'])).not.toMatch(/eth1/);
    expect(await s.dockerOk(['exec', 'srv', 'cat', '/etc/hosts'])).not.toMatch(/latecomer/);
    expect((await s.docker(['exec', 'srv', 'ping', '-c1', '-W1', lateIp])).code).not.toBe(0);
    await s.dockerOk(['rm', '-f', 'srv', 'late']);
    await s.dockerOk(['network', 'rm', 'n-live']);
  });

  it('--network none, host and container:X', async () => {
    const none = await s.dockerOk(['run', '--rm', '--network', 'none', 'busybox', 'ip', '-o', 'link']);
    expect(none.split('\n').map((l) => l.split(':')[1]?.trim())).toEqual(['lo']);
    expect(await s.dockerOk(['run', '--rm', '--network', 'none', 'busybox', 'ping', '-c1', '127.0.0.1'])).toMatch(/1 packets received/);
    const host = await s.dockerOk(['run', '--rm', '--network', 'host', 'busybox', 'ip', '-o', 'link']);
    expect(host).toContain(bridge);
    await s.dockerOk(['run', '-d', '--name', 'owner', 'busybox', 'sleep', '600']);
    const ownerIp = await s.dockerOk(['inspect', '-f', '{{.NetworkSettings.IPAddress}}', 'owner']);
    const joined = await s.dockerOk(['run', '--rm', '--network', 'container:owner', 'busybox', 'ip', '-o', '-4', 'addr', 'show', 'eth0']);
    expect(joined).toContain(`inet ${ownerIp}/24`);
    await s.dockerOk(['rm', '-f', 'owner']);
  });

  it('rejects bad network settings and creates nothing', async () => {
    const before = await ids();
    const unknown = await s.docker(['run', '-d', '--network', 'no-such-net', 'busybox', 'true']);
    expect(unknown.code).not.toBe(0);
    const r = await s.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: 'no-such-net' } }));
    expect(r.status).toBe(404);
    expect(JSON.parse(r.body).message).toBe('network no-such-net not found');
    const bad = await s.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { PortBindings: { 'eighty/tcp': [{ HostPort: '80' }] } } }));
    expect(bad.status).toBe(400);
    const badPort = await s.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { PortBindings: { '80/tcp': [{ HostIp: '127.0.0.1', HostPort: '99999' }] } } }));
    expect(badPort.status).toBe(400);
    expect(JSON.parse(badPort.body).message).toMatch(/HostPort/);
    const cli = await s.docker(['run', '-d', '-p', '127.0.0.1:abc:80', 'busybox', 'true']);
    expect(cli.code).not.toBe(0);
    expect(await ids()).toEqual(before);
    expect(ours().filter((l) => l !== bridge)).toEqual([]);
  });

  it('a port published on all addresses answers another host (a network namespace routed through this one)', async () => {
    // The "other host": a namespace of the test's own, on a /30 to the host, default route via it.
    const tag = s.engine.tag.replace(/[^a-z0-9]/gi, '').slice(-5).toLowerCase();
    const ns = `sx${tag}`;
    const [hostIf, nsIf] = [`xh${tag}`, `xn${tag}`];
    const [hostIp, nsIp] = [`10.${octet}.250.1`, `10.${octet}.250.2`];
    const ip = async (args: string[]) => {
      const r = await runCommand('ip', args);
      if (r.code !== 0) throw new Error(`ip ${args.join(' ')}: ${r.stderr}`);
    };
    try {
      await ip(['netns', 'add', ns]);
      await ip(['link', 'add', hostIf, 'type', 'veth', 'peer', 'name', nsIf, 'netns', ns]);
      await ip(['addr', 'add', `${hostIp}/30`, 'dev', hostIf]);
      await ip(['link', 'set', hostIf, 'up']);
      for (const args of [['addr', 'add', `${nsIp}/30`, 'dev', nsIf], ['link', 'set', nsIf, 'up'], ['link', 'set', 'lo', 'up'], ['route', 'add', 'default', 'via', hostIp]]) await ip(['-n', ns, ...args]);
      const port = 20000 + Math.floor(Math.random() * 20000);
      await s.dockerOk(['run', '-d', '--name', 'far', '--hostname', 'far-away', '-p', `${port}:80`, 'busybox', ...HTTPD]);
      await waitHttp(port, '/name');
      expect(readFileSync(IP_FORWARD, 'utf8').trim()).toBe('1');
      // From the other host to this host's address on their link: DNAT, then routed to the bridge.
      // (node, not the host's static busybox wget: its getaddrinfo crashes on the host's NSS setup)
      const client = `require('http').get('http://${hostIp}:${port}/name', { timeout: 5000 }, (r) => { let b = ''; r.on('data', (d) => (b += d)); r.on('end', () => process.stdout.write(b)); }).on('error', (e) => { console.error(e.message); process.exit(1); })`;
      const r = await runCommand('ip', ['netns', 'exec', ns, process.execPath, '-e', client]);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout.trim()).toBe('far-away');
      await s.dockerOk(['rm', '-f', 'far']);
    } finally {
      await runCommand('ip', ['link', 'del', hostIf]);
      await runCommand('ip', ['netns', 'del', ns]);
    }
    expect(readdirSync('/sys/class/net')).not.toContain(hostIf);
  });

  it('published ports keep answering across stratad and lifecycled restarts', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    await s.dockerOk(['run', '-d', '--name', 'steady', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
    await waitHttp(port, '/name');
    const loop = requestLoop(port, '/name');
    await sleep(300);
    await s.restart();
    await sleep(300);
    await engine?.restart();
    await sleep(300);
    await s.kill9();
    await sleep(300);
    await s.start();
    await sleep(300);
    const { served, failures } = await loop.stop();
    expect(failures).toEqual([]);
    expect(served).toBeGreaterThan(20);
    await s.dockerOk(['rm', '-f', 'steady']);
  });

  it('kill -9 of stratad while it creates networked containers leaves nothing after restart and removal', async () => {
    await s.dockerOk(['network', 'create', 'n-crash']);
    for (const delay of [30, 80, 150, 250, 400]) {
      const port = 20000 + Math.floor(Math.random() * 20000);
      const run = s.docker(['run', '-d', '--network', 'n-crash', '-p', `127.0.0.1:${port}:80`, 'busybox', ...HTTPD]);
      await sleep(delay);
      await s.kill9();
      await run;
      await s.start();
      const left = await ids();
      if (left.length) await s.dockerOk(['rm', '-f', ...left]);
      await until(() => ours().filter((l) => l !== bridge && !l.startsWith(`${prefix}-`)).length === 0, 5000, `veths of round ${delay} ms gone`);
      await until(async () => !/dnat to/.test(await nftTable()), 5000, `no port rule left in round ${delay} ms`);
      const insp = JSON.parse(await s.dockerOk(['network', 'inspect', 'n-crash'])) as { Containers: object }[];
      expect(insp[0]?.Containers).toEqual({});
    }
    await s.dockerOk(['network', 'rm', 'n-crash']);
    // No namespace is left: only processes hold them, and every container process is gone.
    expect(readdirSync(`${engine?.execRoot}/netns`).filter((f) => !f.endsWith('.tmp'))).toEqual([]);
  });
});
