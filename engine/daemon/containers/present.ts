// Records as Docker clients expect them: ContainerSummary (GET
// /containers/json) and ContainerInspect (GET /containers/{id}/json).
import { join } from 'node:path';

import { mountSummary } from '../volumes/mounts.ts';
import { networkSettings, summaryNetworks, summaryPorts } from '../network/present.ts';
import { services } from '../services.ts';
import { containerDir } from './files.ts';
import { statusString } from './human.ts';
import type { ContainerRecord } from './types.ts';

function mounts(rec: ContainerRecord): object[] {
  return mountSummary(rec.mounts ?? []);
}

/** The daemon's networks (absent when present.ts is used without a running daemon). */
function netMgr() {
  try {
    return services().networks;
  } catch {
    return undefined;
  }
}

function networkName(rec: ContainerRecord): string {
  const m = rec.hostConfig.NetworkMode;
  return m === 'default' ? 'bridge' : m;
}

function networks(rec: ContainerRecord): Record<string, object> {
  return {
    [networkName(rec)]: {
      IPAMConfig: null, Links: null, Aliases: null, MacAddress: '', DriverOpts: null, GwPriority: 0, NetworkID: '', EndpointID: '',
      Gateway: '', IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0, DNSNames: null,
    },
  };
}

export function summary(rec: ContainerRecord): object {
  const nm = netMgr();
  const quote = (s: string) => (/\s/.test(s) ? `'${s}'` : s);
  return {
    Id: rec.id,
    Names: [`/${rec.name}`],
    Image: rec.image,
    ImageID: rec.imageId,
    Command: [rec.path, ...rec.args].map(quote).join(' '),
    Created: Math.floor(Date.parse(rec.created) / 1000),
    Ports: nm ? summaryPorts(rec, nm) : [],
    Labels: rec.config.Labels,
    State: rec.state.Status,
    Status: statusString(rec.state),
    HostConfig: { NetworkMode: rec.hostConfig.NetworkMode },
    NetworkSettings: { Networks: nm ? summaryNetworks(rec, nm) : networks(rec) },
    Mounts: mounts(rec),
  };
}

export function inspect(rec: ContainerRecord, dataRoot: string, logPath: string): object {
  const s = rec.state;
  const nm = netMgr();
  const dir = containerDir(dataRoot, rec.id);
  return {
    Id: rec.id,
    Created: rec.created,
    Path: rec.path,
    Args: rec.args,
    State: {
      Status: s.Status,
      Running: s.Status === 'running' || s.Status === 'paused',
      Paused: s.Status === 'paused',
      Restarting: s.Status === 'restarting',
      OOMKilled: s.OOMKilled,
      Dead: s.Status === 'dead',
      Pid: s.Pid,
      ExitCode: s.ExitCode,
      Error: s.Error,
      StartedAt: s.StartedAt,
      FinishedAt: s.FinishedAt,
    },
    Image: rec.imageId,
    ResolvConfPath: join(dir, 'resolv.conf'),
    HostnamePath: join(dir, 'hostname'),
    HostsPath: join(dir, 'hosts'),
    LogPath: logPath,
    Name: `/${rec.name}`,
    RestartCount: rec.restartCount,
    Driver: 'overlay',
    Platform: 'linux',
    MountLabel: '',
    ProcessLabel: '',
    AppArmorProfile: '',
    ExecIDs: null,
    HostConfig: rec.hostConfig,
    GraphDriver: { Name: 'overlay', Data: null },
    Mounts: mounts(rec),
    Config: rec.config,
    NetworkSettings: nm ? networkSettings(rec, nm) : {
      Bridge: '', SandboxID: '', SandboxKey: '', Ports: {}, HairpinMode: false, LinkLocalIPv6Address: '', LinkLocalIPv6PrefixLen: 0,
      SecondaryIPAddresses: null, SecondaryIPv6Addresses: null, EndpointID: '', Gateway: '', GlobalIPv6Address: '', GlobalIPv6PrefixLen: 0,
      IPAddress: '', IPPrefixLen: 0, IPv6Gateway: '', MacAddress: '', Networks: networks(rec),
    },
  };
}
