// The network store: SQLite at <data-root>/network.db.  Networks, the
// endpoints that attach containers to them (IP, MAC, veth name: recorded
// before any kernel object is made, so a crash leaves nothing a restart
// cannot find), and each container's published ports.  UNIQUE constraints
// make a double allocation impossible even with concurrent creates.
import Database from 'better-sqlite3';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

export interface NetworkRecord {
  Id: string;
  Name: string;
  Created: string;
  /** "bridge" | "host" | "null". */
  Driver: string;
  Internal: boolean;
  Attachable: boolean;
  Labels: Record<string, string>;
  Options: Record<string, string>;
  /** bridge networks: "10.1.0.0/24", the gateway on the bridge, the allocation range. */
  subnet: string;
  gateway: string;
  ipRange: string;
  /** The Linux bridge device ("" for host/none). */
  bridge: string;
  /** bridge, host, none: made by stratad, never removed. */
  predefined: boolean;
}

export interface EndpointRecord {
  containerId: string;
  networkId: string;
  endpointId: string;
  ip: string;
  prefixLen: number;
  gateway: string;
  mac: string;
  /** Host end of the veth pair; the container end is `ifname`. */
  veth: string;
  ifname: string;
  aliases: string[];
  /** Index among the container's endpoints: 0 carries the default route. */
  index: number;
}

export interface PortBinding {
  proto: 'tcp' | 'udp';
  containerPort: number;
  /** "" = every address. */
  hostIp: string;
  hostPort: number;
}

export interface PortRecord {
  containerId: string;
  bindings: PortBinding[];
  /** "80/tcp" keys: exposed ports, published or not (NetworkSettings.Ports). */
  exposed: string[];
}

export class NetworkStore {
  private readonly db: Database.Database;

  constructor(dataRoot: string) {
    mkdirSync(dataRoot, { recursive: true });
    this.db = new Database(join(dataRoot, 'network.db'));
    this.db.pragma('journal_mode = WAL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS networks (id TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, record TEXT NOT NULL);
      CREATE TABLE IF NOT EXISTS endpoints (
        container_id TEXT NOT NULL, network_id TEXT NOT NULL, ip TEXT NOT NULL, veth TEXT NOT NULL UNIQUE, record TEXT NOT NULL,
        PRIMARY KEY (container_id, network_id), UNIQUE (network_id, ip));
      CREATE TABLE IF NOT EXISTS ports (container_id TEXT PRIMARY KEY, record TEXT NOT NULL);
    `);
  }

  close(): void {
    this.db.close();
  }

  /** Run `fn` in one transaction (allocations read and write atomically). */
  tx<T>(fn: () => T): T {
    return this.db.transaction(fn)();
  }

  networks(): NetworkRecord[] {
    return (this.db.prepare('SELECT record FROM networks').all() as { record: string }[]).map((r) => JSON.parse(r.record) as NetworkRecord);
  }

  network(id: string): NetworkRecord | undefined {
    const row = this.db.prepare('SELECT record FROM networks WHERE id = ?').get(id) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as NetworkRecord) : undefined;
  }

  networkByName(name: string): NetworkRecord | undefined {
    const row = this.db.prepare('SELECT record FROM networks WHERE name = ?').get(name) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as NetworkRecord) : undefined;
  }

  putNetwork(n: NetworkRecord): void {
    this.db.prepare('INSERT OR REPLACE INTO networks (id, name, record) VALUES (?, ?, ?)').run(n.Id, n.Name, JSON.stringify(n));
  }

  deleteNetwork(id: string): void {
    this.db.prepare('DELETE FROM networks WHERE id = ?').run(id);
  }

  endpoints(): EndpointRecord[] {
    return (this.db.prepare('SELECT record FROM endpoints').all() as { record: string }[]).map((r) => JSON.parse(r.record) as EndpointRecord);
  }

  endpointsOf(containerId: string): EndpointRecord[] {
    return (this.db.prepare('SELECT record FROM endpoints WHERE container_id = ?').all(containerId) as { record: string }[])
      .map((r) => JSON.parse(r.record) as EndpointRecord)
      .sort((a, b) => a.index - b.index);
  }

  endpointsOn(networkId: string): EndpointRecord[] {
    return (this.db.prepare('SELECT record FROM endpoints WHERE network_id = ?').all(networkId) as { record: string }[]).map((r) => JSON.parse(r.record) as EndpointRecord);
  }

  usedIps(networkId: string): Set<string> {
    return new Set((this.db.prepare('SELECT ip FROM endpoints WHERE network_id = ?').all(networkId) as { ip: string }[]).map((r) => r.ip));
  }

  putEndpoint(e: EndpointRecord): void {
    this.db.prepare('INSERT INTO endpoints (container_id, network_id, ip, veth, record) VALUES (?, ?, ?, ?, ?)').run(e.containerId, e.networkId, e.ip, e.veth, JSON.stringify(e));
  }

  deleteEndpoint(containerId: string, networkId: string): void {
    this.db.prepare('DELETE FROM endpoints WHERE container_id = ? AND network_id = ?').run(containerId, networkId);
  }

  ports(): PortRecord[] {
    return (this.db.prepare('SELECT record FROM ports').all() as { record: string }[]).map((r) => JSON.parse(r.record) as PortRecord);
  }

  portsOf(containerId: string): PortRecord | undefined {
    const row = this.db.prepare('SELECT record FROM ports WHERE container_id = ?').get(containerId) as { record: string } | undefined;
    return row ? (JSON.parse(row.record) as PortRecord) : undefined;
  }

  putPorts(p: PortRecord): void {
    this.db.prepare('INSERT OR REPLACE INTO ports (container_id, record) VALUES (?, ?)').run(p.containerId, JSON.stringify(p));
  }

  /** Everything recorded for a container (its removal, or a leftover of a crash). */
  forget(containerId: string): void {
    this.tx(() => {
      this.db.prepare('DELETE FROM endpoints WHERE container_id = ?').run(containerId);
      this.db.prepare('DELETE FROM ports WHERE container_id = ?').run(containerId);
    });
  }

  /** Container ids anything is recorded for. */
  containerIds(): Set<string> {
    const rows = this.db.prepare('SELECT container_id FROM endpoints UNION SELECT container_id FROM ports').all() as { container_id: string }[];
    return new Set(rows.map((r) => r.container_id));
  }
}
