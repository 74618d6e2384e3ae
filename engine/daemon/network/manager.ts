// stratad's networks: the predefined bridge/host/none, user bridge networks,
// the endpoints that attach containers to them, and published ports.
//
// Design (why it is built this way):
// - A container's network namespace is the one strata-runtime creates for
//   its init; it is configured from the init's pid between lifecycled's
//   Tasks.Create and Tasks.Start (attachTask).  Nothing is bind-mounted, so
//   the namespace, and with it the container end of every veth pair (and so
//   the pair), goes away with the container's process: a crash of stratad at
//   any moment cannot leak a namespace or a veth.  A restart (policy or
//   `docker restart`) gets a new namespace configured with the same recorded
//   IP and MAC.
// - Intent first: IPs, MACs, veth names and host ports are recorded in the
//   network store (SQLite) at container create, before any kernel object
//   exists; removal deletes the kernel objects, then the records.  At start,
//   records of containers that no longer exist (a crash mid-create) are
//   dropped and the nftables table is rendered again from the store.
// - Published ports are nftables DNAT rules in a per-engine table (see
//   nft.ts), so they keep answering while stratad and strata-lifecycled are
//   down; the table is always replaced whole, in one transaction.
// - Names on user networks resolve through /etc/hosts, rewritten in place on
//   every container of a network when an endpoint joins or leaves it (no
//   embedded DNS server: resolution keeps working while stratad is down).
// - `container:X` joins X's namespace through <exec-root>/netns/<X id>, a
//   symlink to /proc/<pid>/ns/net refreshed at each start of X.
// - Speed: per start, one `ip -batch` on the host side and one in the
//   container's namespace; nft only when ports or bridges change.  With
//   STRATAD_NET_TRACE=1 each create/start logs the time networking took
//   (read by `npm run bench -- network`).
import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';

import { conflict, failedPrecondition, invalidArgument, notFound } from '../../errors.ts';
import type { ContainerStore } from '../containers/store.ts';
import type { ContainerRecord } from '../containers/types.ts';
import { hostsPath, renderHosts, rewriteInPlace, type HostsEntry } from '../containers/files.ts';
import { broadcast, cidrArg, contains, formatCidr, formatIp, ipArg, macFor, overlaps, parseCidrAddr, parseIp, type Cidr } from './ipv4.ts';
import { deleteLinks, enableIpForward, ipBatch, linkExists, nft, plugNamespace, setIfaceSysctl } from './kernel.ts';
import { renderTable, type NftPort } from './nft.ts';
import type { NetworkOptions } from './options.ts';
import { parsePorts, resolvePorts } from './ports.ts';
import type { EndpointRecord, NetworkRecord, NetworkStore, PortBinding } from './store.ts';

export interface NetworkDeps {
  store: NetworkStore;
  containers: ContainerStore;
  dataRoot: string;
  execRoot: string;
  options: NetworkOptions;
  log: (msg: string) => void;
  /** Docker events of type network. */
  event?: (action: string, net: NetworkRecord, extra?: Record<string, string>) => void;
}

export interface EndpointRequest {
  aliases: string[];
  ipv4: string;
}

type Obj = Record<string, unknown>;
/** A container being created: not in the container store yet. */
type Pending = { id: string; name: string };
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
const hex = (n: number) => randomBytes(Math.ceil(n / 2)).toString('hex').slice(0, n);
const PREDEFINED = new Set(['bridge', 'host', 'none']);

/** NetworkingConfig.EndpointsConfig, checked. */
export function parseEndpointsConfig(body: unknown): Map<string, EndpointRequest> {
  const out = new Map<string, EndpointRequest>();
  if (!isObj(body)) return out;
  const nc = body.NetworkingConfig;
  if (nc === undefined || nc === null) return out;
  if (!isObj(nc)) throw invalidArgument('stratad', 'invalid NetworkingConfig: expected an object');
  const ec = nc.EndpointsConfig;
  if (ec === undefined || ec === null) return out;
  if (!isObj(ec)) throw invalidArgument('stratad', 'invalid NetworkingConfig.EndpointsConfig: expected a map of network to endpoint settings');
  for (const [name, v] of Object.entries(ec)) out.set(name, parseEndpoint(v, `NetworkingConfig.EndpointsConfig["${name}"]`));
  return out;
}

export function parseEndpoint(v: unknown, field: string): EndpointRequest {
  if (v === undefined || v === null) return { aliases: [], ipv4: '' };
  if (!isObj(v)) throw invalidArgument('stratad', `invalid ${field}: expected an object`);
  const al = v.Aliases ?? [];
  if (!Array.isArray(al) || !al.every((a) => typeof a === 'string')) throw invalidArgument('stratad', `invalid ${field}.Aliases: expected a list of strings`);
  let ipv4 = '';
  if (v.IPAMConfig !== undefined && v.IPAMConfig !== null) {
    if (!isObj(v.IPAMConfig)) throw invalidArgument('stratad', `invalid ${field}.IPAMConfig: expected an object`);
    const a = v.IPAMConfig.IPv4Address;
    if (a !== undefined && a !== null && a !== '') {
      if (typeof a !== 'string') throw invalidArgument('stratad', `invalid ${field}.IPAMConfig.IPv4Address: expected a string`);
      ipArg(a, `${field}.IPAMConfig.IPv4Address`);
      ipv4 = a;
    }
  }
  return { aliases: al as string[], ipv4 };
}

export class NetworkManager {
  private readonly s: NetworkStore;
  /** Kernel changes to bridges and the nft table, one at a time. */
  private chain: Promise<unknown> = Promise.resolve();
  private renderWanted = false;
  private readonly trace = process.env.STRATAD_NET_TRACE === '1';
  /** nft renders started at create, awaited before the container's first start (they overlap lifecycled's create). */
  private readonly renders = new Map<string, Promise<void>>();
  /** Bridges seen with route_localnet set by this process. */
  private readonly bridgesChecked = new Set<string>();

  constructor(private readonly d: NetworkDeps) {
    this.s = d.store;
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.chain.then(fn, fn);
    this.chain = run.catch(() => undefined);
    return run;
  }

  // ---- start-up --------------------------------------------------------------

  /** Predefined networks, leftovers of a crash dropped, user bridges present, the nft table rendered. */
  async init(): Promise<void> {
    mkdirSync(join(this.d.execRoot, 'netns'), { recursive: true });
    const bip = parseCidrAddr(this.d.options.bip);
    if (!bip) throw invalidArgument('stratad', `invalid --bip ${this.d.options.bip}`);
    const now = new Date().toISOString();
    const base = { Created: now, Internal: false, Attachable: false, Labels: {}, Options: {}, subnet: '', gateway: '', ipRange: '', bridge: '', predefined: true };
    this.s.tx(() => {
      const br = this.s.networkByName('bridge');
      const want = { subnet: formatCidr(bip.cidr), gateway: formatIp(bip.addr), bridge: this.d.options.bridge };
      if (!br) this.s.putNetwork({ ...base, Id: hex(64), Name: 'bridge', Driver: 'bridge', ...want });
      else if (br.subnet !== want.subnet || br.gateway !== want.gateway || br.bridge !== want.bridge) {
        if (this.s.endpointsOn(br.Id).length === 0) this.s.putNetwork({ ...br, ...want });
        else this.d.log(`network: --bridge/--bip changed but containers are attached to "bridge"; keeping ${br.bridge} ${br.gateway}/${br.subnet}`);
      }
      if (!this.s.networkByName('host')) this.s.putNetwork({ ...base, Id: hex(64), Name: 'host', Driver: 'host' });
      if (!this.s.networkByName('none')) this.s.putNetwork({ ...base, Id: hex(64), Name: 'none', Driver: 'null' });
    });
    // Records of containers that are gone (a crash between our record and the container's).
    for (const id of this.s.containerIds()) {
      if (!this.d.containers.get(id)) {
        this.d.log(`network: dropping the records of ${id.slice(0, 12)} (no such container)`);
        await this.releaseRecords(id);
      }
    }
    for (const n of this.s.networks()) if (!n.predefined && n.Driver === 'bridge') await this.ensureBridge(n);
    const tableNeeded = this.s.ports().some((p) => p.bindings.length > 0) || this.s.networks().some((n) => n.bridge && linkExists(n.bridge));
    if (tableNeeded) await this.render();
  }

  // ---- kernel: bridges and the nft table ------------------------------------------

  private ensureBridge(n: NetworkRecord): Promise<void> {
    if (this.bridgesChecked.has(n.bridge) && linkExists(n.bridge)) return Promise.resolve();
    if (linkExists(n.bridge)) {
      // Made by an earlier run (or another engine sharing the name): make sure loopback publishing works on it.
      setIfaceSysctl(n.bridge, 'route_localnet', '1');
      this.forwarding(n);
      this.bridgesChecked.add(n.bridge);
      return this.render(); // its masquerade rules, if our table was rendered before it existed
    }
    return this.serial(async () => {
      if (linkExists(n.bridge)) return;
      const prefix = Number(n.subnet.split('/')[1]);
      const configure = [`addr replace ${n.gateway}/${prefix} dev ${n.bridge}`, `link set ${n.bridge} up`];
      try {
        await ipBatch([`link add ${n.bridge} type bridge`, ...configure]);
      } catch (e) {
        // Another engine with the same (default) bridge name made it meanwhile: share it.
        if (!linkExists(n.bridge)) throw e;
        await ipBatch(configure);
      }
      // Loopback publishing: 127.0.0.1 sources may be routed out of this bridge (masqueraded in nft).
      setIfaceSysctl(n.bridge, 'route_localnet', '1');
      this.forwarding(n);
      this.bridgesChecked.add(n.bridge);
      await this.renderNow();
    });
  }

  /** Published ports of a non-internal network must answer other hosts: routing on (unless --ip-forward=false). */
  private forwarding(n: NetworkRecord): void {
    if (n.Internal || !this.d.options.ipForward) return;
    try {
      if (enableIpForward()) this.d.log('network: turned net.ipv4.ip_forward on, so published ports answer other hosts (--ip-forward=false leaves it alone)');
    } catch (e) {
      this.d.log(`network: could not turn net.ipv4.ip_forward on (published ports answer this host only): ${e instanceof Error ? e.message : String(e)}`);
    }
  }

  private async renderNow(): Promise<void> {
    const nets = this.s.networks().filter((n) => n.Driver === 'bridge' && n.bridge);
    const bridges = nets.filter((n) => linkExists(n.bridge)).map((n) => ({ bridge: n.bridge, subnet: n.subnet, internal: n.Internal }));
    const ports: NftPort[] = [];
    for (const p of this.s.ports()) {
      const ep = this.s.endpointsOf(p.containerId)[0];
      if (!ep) continue;
      for (const b of p.bindings) ports.push({ ...b, targetIp: ep.ip });
    }
    await nft(renderTable(this.d.options.nftTable, bridges, ports));
  }

  /** Render the table again (coalesced: one render for a burst of changes). */
  private render(): Promise<void> {
    this.renderWanted = true;
    return this.serial(async () => {
      if (!this.renderWanted) return;
      this.renderWanted = false;
      await this.renderNow();
    });
  }

  // ---- networks --------------------------------------------------------------

  list(): NetworkRecord[] {
    return this.s.networks().sort((a, b) => a.Name.localeCompare(b.Name));
  }

  /** Docker's lookup: full id, name, then a unique id prefix. */
  resolve(ref: string): NetworkRecord {
    const exact = this.s.network(ref) ?? this.s.networkByName(ref);
    if (exact) return exact;
    if (/^[0-9a-f]+$/.test(ref)) {
      const hits = this.s.networks().filter((n) => n.Id.startsWith(ref));
      if (hits.length > 1) throw invalidArgument('stratad', `network ${ref} is ambiguous (${hits.length} matches found based on ID prefix)`);
      if (hits[0]) return hits[0];
    }
    throw notFound('stratad', `network ${ref} not found`);
  }

  endpointsOn(networkId: string): EndpointRecord[] {
    return this.s.endpointsOn(networkId);
  }

  endpointsOf(containerId: string): EndpointRecord[] {
    return this.s.endpointsOf(containerId);
  }

  portsOf(containerId: string): { bindings: PortBinding[]; exposed: string[] } {
    const p = this.s.portsOf(containerId);
    return { bindings: p?.bindings ?? [], exposed: p?.exposed ?? [] };
  }

  async create(body: unknown): Promise<NetworkRecord> {
    if (!isObj(body)) throw invalidArgument('stratad', 'invalid network create body: expected a JSON object');
    const name = body.Name;
    if (typeof name !== 'string' || name === '') throw invalidArgument('stratad', 'network name is required');
    if (!/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/.test(name)) throw invalidArgument('stratad', `invalid network name "${name}": only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    const driver = body.Driver ?? 'bridge';
    if (typeof driver !== 'string') throw invalidArgument('stratad', 'invalid Driver: expected a string');
    if (driver === 'host' || driver === 'null') throw conflict('stratad', `only one instance of "${driver}" network is allowed`);
    if (driver !== 'bridge' && driver !== '') throw notFound('stratad', `plugin "${driver}" not found: strata networks use the bridge driver`);
    if (body.EnableIPv6 === true) throw invalidArgument('stratad', 'IPv6 networks are not supported by strata');
    const bool = (k: string) => {
      const v = body[k];
      if (v !== undefined && v !== null && typeof v !== 'boolean') throw invalidArgument('stratad', `invalid ${k}: expected a boolean`);
      return v === true;
    };
    const strMap = (k: string) => {
      const v = body[k] ?? {};
      if (!isObj(v) || !Object.values(v).every((x) => typeof x === 'string')) throw invalidArgument('stratad', `invalid ${k}: expected a map of strings`);
      return v as Record<string, string>;
    };
    const internal = bool('Internal');
    const attachable = bool('Attachable');
    const labels = strMap('Labels');
    const options = strMap('Options');
    let subnet: Cidr | undefined;
    let gateway: number | undefined;
    let range = '';
    const ipam = body.IPAM;
    if (ipam !== undefined && ipam !== null) {
      if (!isObj(ipam)) throw invalidArgument('stratad', 'invalid IPAM: expected an object');
      const cfgs = ipam.Config ?? [];
      if (!Array.isArray(cfgs)) throw invalidArgument('stratad', 'invalid IPAM.Config: expected a list');
      const v4 = cfgs.filter((c): c is Obj => isObj(c) && !(typeof c.Subnet === 'string' && c.Subnet.includes(':')));
      if (v4.length > 1) throw invalidArgument('stratad', 'strata networks take one IPv4 IPAM config');
      const c = v4[0];
      if (c) {
        const str = (k: string) => {
          const v = c[k];
          if (v !== undefined && v !== null && typeof v !== 'string') throw invalidArgument('stratad', `invalid IPAM.Config.${k}: expected a string`);
          return v ?? '';
        };
        if (str('Subnet')) subnet = cidrArg(str('Subnet'), 'IPAM.Config.Subnet');
        if (str('Gateway')) {
          if (!subnet) throw invalidArgument('stratad', 'invalid IPAM.Config: a Gateway needs a Subnet');
          gateway = ipArg(str('Gateway'), 'IPAM.Config.Gateway');
          if (!contains(subnet, gateway)) throw invalidArgument('stratad', `invalid IPAM.Config.Gateway ${str('Gateway')}: not in subnet ${formatCidr(subnet)}`);
        }
        if (str('IPRange')) {
          if (!subnet) throw invalidArgument('stratad', 'invalid IPAM.Config: an IPRange needs a Subnet');
          const r = cidrArg(str('IPRange'), 'IPAM.Config.IPRange');
          if (r.bits < subnet.bits || !contains(subnet, r.base)) throw invalidArgument('stratad', `invalid IPAM.Config.IPRange ${str('IPRange')}: not inside subnet ${formatCidr(subnet)}`);
          range = formatCidr(r);
        }
        if (subnet && subnet.bits > 30) throw invalidArgument('stratad', `invalid IPAM.Config.Subnet ${formatCidr(subnet)}: too small (at most /30)`);
      }
    }
    const bridgeName = options['com.docker.network.bridge.name'];
    if (bridgeName !== undefined && !/^[a-zA-Z][a-zA-Z0-9_.-]{0,14}$/.test(bridgeName)) throw invalidArgument('stratad', `invalid com.docker.network.bridge.name "${bridgeName}"`);
    const id = hex(64);
    const rec = this.s.tx(() => {
      if (this.s.networkByName(name)) throw conflict('stratad', `network with name ${name} already exists`);
      const others = this.s.networks().filter((n) => n.subnet);
      if (subnet) {
        const s = subnet;
        const clash = others.find((n) => overlaps(s, cidrArg(n.subnet, 'subnet')));
        if (clash) throw conflict('stratad', `invalid pool request: Pool overlaps with other one on this address space (network ${clash.Name}, ${clash.subnet})`);
      } else subnet = this.pickSubnet(others.map((n) => cidrArg(n.subnet, 'subnet')));
      const gw = gateway ?? (subnet.base + 1) >>> 0;
      const r: NetworkRecord = {
        Id: id, Name: name, Created: new Date().toISOString(), Driver: 'bridge', Internal: internal, Attachable: attachable, Labels: labels, Options: options,
        subnet: formatCidr(subnet), gateway: formatIp(gw), ipRange: range,
        bridge: bridgeName ?? `${this.d.options.vethPrefix}-${id.slice(0, 14 - this.d.options.vethPrefix.length)}`, predefined: false,
      };
      if (this.s.networks().some((n) => n.bridge === r.bridge)) throw conflict('stratad', `bridge device ${r.bridge} is used by another network`);
      this.s.putNetwork(r); // intent first: a crash leaves a record whose bridge init() makes
      return r;
    });
    try {
      await this.ensureBridge(rec);
    } catch (e) {
      await deleteLinks([rec.bridge]);
      this.s.deleteNetwork(rec.Id);
      throw e;
    }
    this.d.event?.('create', rec, { type: 'bridge' });
    return rec;
  }

  /** The first pool block that overlaps no network of ours and no route of the host (other engines' bridges included). */
  private pickSubnet(taken: Cidr[]): Cidr {
    const routes = hostRoutes();
    for (const pool of this.d.options.pools) {
      const step = 2 ** (32 - pool.size);
      const count = 2 ** (pool.size - pool.base.bits);
      for (let i = 0; i < count; i++) {
        const c: Cidr = { base: (pool.base.base + i * step) >>> 0, bits: pool.size };
        if (!taken.some((t) => overlaps(t, c)) && !routes.some((r) => overlaps(r, c))) return c;
      }
    }
    throw failedPrecondition('stratad', 'could not find an available, non-overlapping IPv4 address pool among the defaults to assign to the network');
  }

  async remove(ref: string): Promise<void> {
    const n = this.resolve(ref);
    if (n.predefined) throw new PredefinedError(`${n.Name} is a pre-defined network and cannot be removed`);
    const eps = this.s.endpointsOn(n.Id);
    if (eps.length) throw conflict('stratad', `error while removing network: network ${n.Name} id ${n.Id} has active endpoints`);
    await this.serial(async () => {
      await deleteLinks([n.bridge]);
      this.s.deleteNetwork(n.Id);
      await this.renderNow();
    });
    this.d.event?.('destroy', n, { type: 'bridge' });
  }

  async prune(keep: (n: NetworkRecord) => boolean): Promise<string[]> {
    const gone: string[] = [];
    for (const n of this.s.networks()) {
      if (n.predefined || !keep(n) || this.s.endpointsOn(n.Id).length) continue;
      try {
        await this.remove(n.Id);
        gone.push(n.Name);
      } catch (e) {
        this.d.log(`network prune ${n.Name}: ${e instanceof Error ? e.message : String(e)}`);
      }
    }
    return gone;
  }

  // ---- containers: create / start / remove -----------------------------------

  /** The network a NetworkMode names ("default" is bridge). */
  private modeNetwork(mode: string): NetworkRecord | undefined {
    if (mode === 'default' || mode === '') return this.resolve('bridge');
    if (mode.startsWith('container:')) return undefined;
    return this.resolve(mode);
  }

  /**
   * At container create, before lifecycled hears of it: check the network
   * settings and ports (400/404/409, nothing recorded on error), record the
   * endpoints and host ports, write the container's /etc/hosts and its
   * peers'.  Returns the namespace path for the spec (container:X only).
   */
  async prepare(rec: ContainerRecord, body: unknown, imageExposed: () => Promise<string[]>): Promise<{ netnsPath?: string }> {
    const t0 = performance.now();
    try {
      return await this.prepareUntimed(rec, body, imageExposed);
    } finally {
      if (this.trace) this.d.log(`network-trace: prepare ${rec.id.slice(0, 12)} ${(performance.now() - t0).toFixed(2)} ms mode=${rec.hostConfig.NetworkMode} ports=${this.s.portsOf(rec.id)?.bindings.length ?? 0}`);
    }
  }

  private async prepareUntimed(rec: ContainerRecord, body: unknown, imageExposed: () => Promise<string[]>): Promise<{ netnsPath?: string }> {
    const h = rec.hostConfig;
    const mode = h.NetworkMode || 'default';
    const reqs = parseEndpointsConfig(body);
    const cfg = isObj(body) ? body : {};
    const { exposed, wanted } = parsePorts(h, cfg.ExposedPorts, h.PublishAllPorts === true ? await imageExposed() : []);
    if (mode.startsWith('container:')) {
      if (wanted.length) throw invalidArgument('stratad', 'conflicting options: port publishing and the container type network mode');
      const other = this.d.containers.resolve(mode.slice('container:'.length));
      if (other.id === rec.id) throw invalidArgument('stratad', 'cannot join own network namespace');
      h.NetworkMode = `container:${other.id}`;
      for (const f of ['hosts', 'resolv.conf', 'hostname']) {
        try {
          rewriteInPlace(join(this.d.dataRoot, 'containers', rec.id, f), readFileSync(join(this.d.dataRoot, 'containers', other.id, f), 'utf8'));
        } catch {
          /* the other's files are gone: keep ours */
        }
      }
      return { netnsPath: this.netnsLink(other.id) };
    }
    const primary = this.modeNetwork(mode);
    if (!primary) throw notFound('stratad', `network ${mode} not found`);
    const nets: { net: NetworkRecord; req: EndpointRequest }[] = [];
    const seen = new Set<string>();
    const add = (net: NetworkRecord, req: EndpointRequest) => {
      if (seen.has(net.Id)) return;
      seen.add(net.Id);
      nets.push({ net, req });
    };
    const primaryReq = reqs.get(mode) ?? reqs.get(primary.Name) ?? reqs.get(primary.Id) ?? { aliases: [], ipv4: '' };
    add(primary, primaryReq);
    for (const [name, req] of reqs) {
      const n = name === 'default' ? this.resolve('bridge') : this.resolve(name);
      if (n.Driver !== 'bridge' || primary.Driver !== 'bridge') {
        if (n.Id !== primary.Id) throw invalidArgument('stratad', `container cannot be connected to network "${n.Name}" with network mode ${mode}`);
        continue;
      }
      add(n, req);
    }
    if (primary.Driver !== 'bridge') {
      // host and none: no endpoints; Docker drops published ports there.
      this.s.putPorts({ containerId: rec.id, bindings: [], exposed });
      return {};
    }
    for (const { net, req } of nets) if (req.aliases.length && net.Name === 'bridge') throw invalidArgument('stratad', 'network-scoped aliases are only supported for user-defined networks');
    const held = this.s.ports().filter((p) => p.containerId !== rec.id).flatMap((p) => p.bindings);
    const bindings = await resolvePorts(wanted, held);
    this.s.tx(() => {
      // Checked again inside the transaction: another create may have taken a port meanwhile.
      const now = this.s.ports().flatMap((p) => p.bindings);
      for (const b of bindings) {
        if (now.some((t) => t.proto === b.proto && t.hostPort === b.hostPort && (t.hostIp === '' || b.hostIp === '' || t.hostIp === b.hostIp))) {
          throw conflict('stratad', `driver failed programming external connectivity: Bind for ${b.hostIp || '0.0.0.0'}:${b.hostPort} failed: port is already allocated`);
        }
      }
      nets.forEach(({ net, req }, index) => this.s.putEndpoint(this.allocate(rec.id, net, req, index)));
      this.s.putPorts({ containerId: rec.id, bindings, exposed });
    });
    try {
      const pending = { id: rec.id, name: rec.name };
      this.refreshHosts(rec.id, rec.config.Hostname);
      for (const { net } of nets) this.refreshPeers(net, rec.id, pending);
      if (bindings.length) {
        const r = this.render();
        r.catch(() => undefined); // awaited (and reported) by attachTask
        this.renders.set(rec.id, r);
      }
    } catch (e) {
      await this.release(rec.id);
      throw e;
    }
    return {};
  }

  /** An endpoint record: a free IP (or the one asked for), its MAC, a fresh veth name. */
  private allocate(containerId: string, net: NetworkRecord, req: EndpointRequest, index: number): EndpointRecord {
    const subnet = cidrArg(net.subnet, 'subnet');
    const gw = parseIp(net.gateway) ?? 0;
    const used = this.s.usedIps(net.Id);
    let ip: number | undefined;
    if (req.ipv4) {
      const want = ipArg(req.ipv4, 'IPAMConfig.IPv4Address');
      if (!contains(subnet, want) || want === subnet.base || want === broadcast(subnet)) throw invalidArgument('stratad', `invalid IPv4Address ${req.ipv4}: not a host address of network ${net.Name} (${net.subnet})`);
      if (net.predefined) throw invalidArgument('stratad', 'user specified IP address is supported on user defined networks only');
      if (want === gw || used.has(req.ipv4)) throw conflict('stratad', `Address already in use: ${req.ipv4} on network ${net.Name}`);
      ip = want;
    } else {
      const range = net.ipRange ? cidrArg(net.ipRange, 'IPRange') : subnet;
      const last = broadcast(range);
      for (let a = range.base; a <= last; a++) {
        if (a === subnet.base || a === broadcast(subnet) || a === gw || used.has(formatIp(a))) continue;
        ip = a;
        break;
      }
    }
    if (ip === undefined) throw failedPrecondition('stratad', `no available IPv4 addresses on network ${net.Name} (${net.subnet})`);
    return {
      containerId, networkId: net.Id, endpointId: hex(64), ip: formatIp(ip), prefixLen: subnet.bits, gateway: net.Internal ? '' : net.gateway,
      mac: macFor(ip), veth: `${this.d.options.vethPrefix}${hex(8)}`, ifname: `eth${index}`, aliases: req.aliases, index,
    };
  }

  private netnsLink(id: string): string {
    return join(this.d.execRoot, 'netns', id);
  }

  /** Before Tasks.Create: a container:X container needs X running. */
  beforeTask(rec: ContainerRecord): void {
    const mode = rec.hostConfig.NetworkMode;
    if (!mode.startsWith('container:')) return;
    const other = this.d.containers.get(mode.slice('container:'.length));
    if (!other) throw notFound('stratad', `cannot join network namespace of container ${mode.slice(10)}: No such container`);
    if (other.state.Status !== 'running' && other.state.Status !== 'paused') throw conflict('stratad', `cannot join network namespace of a non running container: ${other.id}`);
  }

  /**
   * Between Tasks.Create and Tasks.Start: the init (pid) sits in its fresh
   * network namespace; give it lo, its veths, addresses and default route.
   */
  async attachTask(rec: ContainerRecord, pid: number): Promise<void> {
    const t0 = performance.now();
    try {
      await this.attachUntimed(rec, pid);
    } finally {
      if (this.trace) this.d.log(`network-trace: attach ${rec.id.slice(0, 12)} ${(performance.now() - t0).toFixed(2)} ms`);
    }
  }

  private async attachUntimed(rec: ContainerRecord, pid: number): Promise<void> {
    const render = this.renders.get(rec.id);
    this.renders.delete(rec.id);
    if (render) await render;
    const link = this.netnsLink(rec.id);
    const tmp = `${link}.${process.pid}.tmp`;
    rmSync(tmp, { force: true });
    symlinkSync(`/proc/${pid}/ns/net`, tmp);
    renameSync(tmp, link);
    const mode = rec.hostConfig.NetworkMode;
    if (mode === 'host' || mode.startsWith('container:')) return;
    const eps = this.s.endpointsOf(rec.id);
    if (eps.length === 0) {
      await plugNamespace(pid, [], { lo: true });
      return;
    }
    await this.plug(pid, eps, true);
  }

  /** veth pairs for `eps` into the namespace of `pid`, configured; `fresh`: the namespace is new (lo, default route). */
  private async plug(pid: number, eps: EndpointRecord[], fresh: boolean): Promise<void> {
    const nets = eps.map((e) => {
      const n = this.s.network(e.networkId);
      if (!n) throw notFound('stratad', `network ${e.networkId} not found`);
      return n;
    });
    for (const n of nets) await this.ensureBridge(n);
    // A veth of the same name can only be a pair whose other end is still alive; replace it.
    await deleteLinks(eps.map((e) => e.veth));
    // A fresh namespace: the first endpoint (by index) with a gateway carries the default route.
    const routed = fresh ? eps.find((e) => e.gateway) : undefined;
    const ordered = routed ? [routed, ...eps.filter((e) => e !== routed)] : eps;
    await plugNamespace(pid, ordered.map((e) => ({ veth: e.veth, bridge: nets[eps.indexOf(e)]?.bridge ?? '', ifname: e.ifname, mac: e.mac, cidr: `${e.ip}/${e.prefixLen}` })), { lo: fresh, gateway: routed?.gateway });
  }

  /** After the container is gone from lifecycled: its veths (if any are left), records, hosts entries, port rules. */
  async release(id: string): Promise<void> {
    const t0 = performance.now();
    const nets = this.s.endpointsOf(id).map((e) => this.s.network(e.networkId)).filter((n): n is NetworkRecord => n !== undefined);
    await this.releaseRecords(id);
    for (const n of nets) this.refreshPeers(n, id);
    if (this.trace) this.d.log(`network-trace: release ${id.slice(0, 12)} ${(performance.now() - t0).toFixed(2)} ms`);
  }

  private async releaseRecords(id: string): Promise<void> {
    const eps = this.s.endpointsOf(id);
    const hadPorts = (this.s.portsOf(id)?.bindings.length ?? 0) > 0;
    await deleteLinks(eps.map((e) => e.veth));
    this.s.forget(id);
    this.renders.delete(id);
    rmSync(this.netnsLink(id), { force: true });
    // Not awaited: the container is gone, its rules only point nowhere until the render lands
    // (renders are serialized, and a restart renders from the store anyway).
    if (hadPorts) this.render().catch((e: unknown) => this.d.log(`network: nft render: ${e instanceof Error ? e.message : String(e)}`));
  }

  // ---- live connect / disconnect ------------------------------------------------

  async connect(netRef: string, body: unknown): Promise<void> {
    if (!isObj(body) || typeof body.Container !== 'string') throw invalidArgument('stratad', 'invalid connect body: Container is required');
    const net = this.resolve(netRef);
    const rec = this.d.containers.resolve(body.Container);
    const req = parseEndpoint(body.EndpointConfig, 'EndpointConfig');
    const mode = rec.hostConfig.NetworkMode;
    if (net.Driver !== 'bridge') throw conflict('stratad', `container cannot be disconnected from host network or connected to host network`);
    if (mode === 'host' || mode === 'none' || mode.startsWith('container:')) throw conflict('stratad', `container sharing network namespace with another container or host cannot be connected to any other network`);
    if (req.aliases.length && net.Name === 'bridge') throw invalidArgument('stratad', 'network-scoped aliases are only supported for user-defined networks');
    const ep = this.s.tx(() => {
      const mine = this.s.endpointsOf(rec.id);
      if (mine.some((e) => e.networkId === net.Id)) throw conflict('stratad', `endpoint with name ${rec.name} already exists in network ${net.Name}`);
      const index = mine.reduce((m, e) => Math.max(m, e.index + 1), 0);
      const e = this.allocate(rec.id, net, req, index);
      this.s.putEndpoint(e);
      return e;
    });
    try {
      if (rec.state.Status === 'running' || rec.state.Status === 'paused') await this.plug(rec.state.Pid, [ep], false);
    } catch (e) {
      await deleteLinks([ep.veth]);
      this.s.deleteEndpoint(rec.id, net.Id);
      throw e;
    }
    this.refreshHosts(rec.id, rec.config.Hostname);
    this.refreshPeers(net, rec.id);
    this.d.event?.('connect', net, { container: rec.id, type: 'bridge' });
  }

  async disconnect(netRef: string, body: unknown): Promise<void> {
    if (!isObj(body) || typeof body.Container !== 'string') throw invalidArgument('stratad', 'invalid disconnect body: Container is required');
    const net = this.resolve(netRef);
    const force = body.Force === true;
    let rec: ContainerRecord | undefined;
    try {
      rec = this.d.containers.resolve(body.Container);
    } catch (e) {
      if (!force) throw e;
    }
    const cid = rec?.id ?? body.Container;
    const ep = this.s.endpointsOf(cid).find((e) => e.networkId === net.Id);
    if (!ep) {
      if (net.Driver !== 'bridge') throw conflict('stratad', 'container cannot be disconnected from host network or connected to host network');
      throw conflict('stratad', `container ${cid} is not connected to network ${net.Name}`);
    }
    await deleteLinks([ep.veth]);
    this.s.deleteEndpoint(cid, net.Id);
    if (rec) this.refreshHosts(rec.id, rec.config.Hostname);
    this.refreshPeers(net, cid);
    if ((this.s.portsOf(cid)?.bindings.length ?? 0) > 0) await this.render();
    this.d.event?.('disconnect', net, { container: cid, type: 'bridge' });
  }

  // ---- /etc/hosts ------------------------------------------------------------------

  private hostsEntries(containerId: string, pending?: Pending): { own: string[]; peers: HostsEntry[] } {
    const mine = this.s.endpointsOf(containerId);
    const peers: HostsEntry[] = [];
    for (const e of mine) {
      const n = this.s.network(e.networkId);
      if (!n || n.predefined) continue; // the default bridge has no name resolution (Docker's too)
      for (const p of this.s.endpointsOn(n.Id)) {
        if (p.containerId === containerId) continue;
        const name = this.d.containers.get(p.containerId)?.name ?? (pending?.id === p.containerId ? pending.name : undefined);
        peers.push({ ip: p.ip, names: [...(name ? [name] : []), p.containerId.slice(0, 12), ...p.aliases] });
      }
    }
    return { own: mine.map((e) => e.ip), peers };
  }

  private refreshHosts(containerId: string, hostname: string, pending?: Pending): void {
    const { own, peers } = this.hostsEntries(containerId, pending);
    rewriteInPlace(hostsPath(this.d.dataRoot, containerId), renderHosts(hostname, own, peers));
  }

  /** Every other container on `net` sees the current set of peers. */
  private refreshPeers(net: NetworkRecord, changed: string, pending?: Pending): void {
    if (net.predefined) return;
    for (const p of this.s.endpointsOn(net.Id)) {
      if (p.containerId === changed) continue;
      const c = this.d.containers.get(p.containerId);
      if (c) this.refreshHosts(c.id, c.config.Hostname, pending);
    }
  }
}

/** 403: the predefined networks are not removable. */
export class PredefinedError extends Error {}

/** IPv4 destinations of the host's main routing table (to keep new subnets clear of them). */
function hostRoutes(): Cidr[] {
  try {
    const out: Cidr[] = [];
    for (const line of readFileSync('/proc/net/route', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f.length < 8) continue;
      const dest = Number.parseInt(f[1] ?? '', 16);
      const m = Number.parseInt(f[7] ?? '', 16);
      if (!Number.isFinite(dest) || !Number.isFinite(m) || m === 0) continue;
      // /proc/net/route is little-endian.
      const be = (x: number) => (((x & 255) << 24) | (((x >>> 8) & 255) << 16) | (((x >>> 16) & 255) << 8) | (x >>> 24)) >>> 0;
      const mask = be(m);
      const bits = 32 - Math.log2((~mask >>> 0) + 1);
      out.push({ base: be(dest), bits: Number.isInteger(bits) ? bits : 32 });
    }
    return out;
  } catch {
    return [];
  }
}
