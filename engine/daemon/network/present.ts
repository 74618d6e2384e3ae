// Networks and container network settings as Docker clients expect them:
// Network (GET /networks, /networks/{id}), and a container's
// NetworkSettings / summary Ports.  Addresses show while the container runs
// (Docker's view: a stopped container has no live endpoint), though strata
// keeps the allocation so a restart gets the same address.
import type { ContainerStore } from '../containers/store.ts';
import type { ContainerRecord } from '../containers/types.ts';
import type { NetworkManager } from './manager.ts';
import type { EndpointRecord, NetworkRecord, PortBinding } from './store.ts';

export function networkJson(n: NetworkRecord, nm: NetworkManager, containers: ContainerStore): object {
  const eps: Record<string, object> = {};
  for (const e of nm.endpointsOn(n.Id)) {
    const c = containers.get(e.containerId);
    eps[e.containerId] = { Name: c?.name ?? '', EndpointID: e.endpointId, MacAddress: e.mac, IPv4Address: `${e.ip}/${e.prefixLen}`, IPv6Address: '' };
  }
  const options = n.Name === 'bridge'
    ? { 'com.docker.network.bridge.default_bridge': 'true', 'com.docker.network.bridge.enable_icc': 'true', 'com.docker.network.bridge.enable_ip_masquerade': 'true', 'com.docker.network.bridge.host_binding_ipv4': '0.0.0.0', 'com.docker.network.bridge.name': n.bridge, 'com.docker.network.driver.mtu': '1500' }
    : n.Options;
  return {
    Name: n.Name, Id: n.Id, Created: n.Created, Scope: 'local', Driver: n.Driver, EnableIPv4: true, EnableIPv6: false,
    IPAM: { Driver: 'default', Options: null, Config: n.subnet ? [{ Subnet: n.subnet, Gateway: n.gateway, ...(n.ipRange ? { IPRange: n.ipRange } : {}) }] : [] },
    Internal: n.Internal, Attachable: n.Attachable, Ingress: false, ConfigFrom: { Network: '' }, ConfigOnly: false,
    Containers: eps, Options: options, Labels: n.Labels,
  };
}

const live = (rec: ContainerRecord) => rec.state.Status === 'running' || rec.state.Status === 'paused';

function endpointJson(rec: ContainerRecord, e: EndpointRecord | undefined, networkId: string): object {
  const on = e !== undefined && live(rec);
  return {
    IPAMConfig: null, Links: null, Aliases: e?.aliases.length ? e.aliases : null, MacAddress: on ? e.mac : '', DriverOpts: null, GwPriority: 0,
    NetworkID: networkId, EndpointID: on ? e.endpointId : '', Gateway: on ? e.gateway : '', IPAddress: on ? e.ip : '', IPPrefixLen: on ? e.prefixLen : 0,
    IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    DNSNames: e ? [rec.name, rec.id.slice(0, 12), ...e.aliases] : null,
  };
}

/** NetworkSettings.Ports: "80/tcp" -> [{HostIp, HostPort}] (null when exposed only). */
export function portsJson(bindings: PortBinding[], exposed: string[]): Record<string, { HostIp: string; HostPort: string }[] | null> {
  const out: Record<string, { HostIp: string; HostPort: string }[] | null> = {};
  for (const k of exposed) out[k] = null;
  for (const b of bindings) {
    const k = `${b.containerPort}/${b.proto}`;
    (out[k] ??= []).push({ HostIp: b.hostIp || '0.0.0.0', HostPort: String(b.hostPort) });
  }
  return out;
}

export function networkSettings(rec: ContainerRecord, nm: NetworkManager): object {
  const mode = rec.hostConfig.NetworkMode;
  const eps = nm.endpointsOf(rec.id);
  const networks: Record<string, object> = {};
  if (!mode.startsWith('container:')) {
    if (eps.length === 0) {
      const name = mode === 'default' ? 'bridge' : mode;
      let id = '';
      try {
        id = nm.resolve(name).Id;
      } catch {
        /* gone */
      }
      networks[name] = endpointJson(rec, undefined, id);
    }
    for (const e of eps) {
      let name = e.networkId;
      try {
        name = nm.resolve(e.networkId).Name;
      } catch {
        /* gone */
      }
      networks[name] = endpointJson(rec, e, e.networkId);
    }
  }
  const { bindings, exposed } = nm.portsOf(rec.id);
  const on = live(rec);
  const bridgeId = nm.list().find((n) => n.Name === 'bridge')?.Id;
  const dflt = on ? eps.find((e) => e.networkId === bridgeId) : undefined;
  return {
    Bridge: '', SandboxID: on ? rec.id : '', SandboxKey: on && rec.state.Pid ? `/proc/${rec.state.Pid}/ns/net` : '',
    Ports: on ? portsJson(bindings, exposed) : {},
    HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0, SecondaryIPAddresses: null, SecondaryIPv6Addresses: null,
    EndpointID: dflt?.endpointId ?? '', Gateway: dflt?.gateway ?? '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
    IPAddress: dflt?.ip ?? '', IPPrefixLen: dflt?.prefixLen ?? 0, IPv6Gateway: '', MacAddress: dflt?.mac ?? '',
    Networks: networks,
  };
}

/** ContainerSummary.Ports: published ports while running, exposed ones always. */
export function summaryPorts(rec: ContainerRecord, nm: NetworkManager): object[] {
  const { bindings, exposed } = nm.portsOf(rec.id);
  const out: object[] = [];
  const published = new Set<string>();
  if (live(rec)) {
    for (const b of bindings) {
      published.add(`${b.containerPort}/${b.proto}`);
      out.push({ IP: b.hostIp || '0.0.0.0', PrivatePort: b.containerPort, PublicPort: b.hostPort, Type: b.proto });
    }
  }
  for (const k of exposed) {
    if (published.has(k)) continue;
    const [port, proto] = k.split('/');
    out.push({ PrivatePort: Number(port), Type: proto });
  }
  return out;
}

/** ContainerSummary.NetworkSettings.Networks. */
export function summaryNetworks(rec: ContainerRecord, nm: NetworkManager): object {
  return (networkSettings(rec, nm) as { Networks: object }).Networks;
}
