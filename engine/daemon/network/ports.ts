// Published ports: HostConfig.PortBindings / PublishAllPorts and
// Config.ExposedPorts checked at the edge (400 naming the field), then host
// ports resolved: an explicit port must be free (in our table and in the
// kernel: a bind test), an empty one (or -P) gets a free port from the
// kernel (bind to port 0).  IPv4 only; "::" counts as "every address".
import { createSocket } from 'node:dgram';
import { createServer } from 'node:net';

import { conflict, internal, invalidArgument } from '../../errors.ts';
import { ipArg } from './ipv4.ts';
import type { PortBinding } from './store.ts';

export interface WantedBinding {
  proto: 'tcp' | 'udp';
  containerPort: number;
  hostIp: string;
  /** [lo, hi]; [0, 0] = any free port. */
  range: [number, number];
}

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

/** "80/tcp" | "80" -> { port, proto }. */
export function parsePortKey(key: string, field: string): { port: number; proto: 'tcp' | 'udp' } {
  const m = /^(\d+)(?:\/(tcp|udp|sctp))?$/.exec(key);
  const port = m ? Number(m[1]) : NaN;
  if (!m || port < 1 || port > 65535) throw invalidArgument('stratad', `invalid ${field}: "${key}": expected PORT[/tcp|udp] with a port in 1-65535`);
  if (m[2] === 'sctp') throw invalidArgument('stratad', `invalid ${field}: "${key}": sctp is not supported`);
  return { port, proto: (m[2] ?? 'tcp') as 'tcp' | 'udp' };
}

function hostRange(text: string, field: string): [number, number] {
  if (text === '') return [0, 0];
  const m = /^(\d+)(?:-(\d+))?$/.exec(text);
  const lo = m ? Number(m[1]) : NaN;
  const hi = m && m[2] !== undefined ? Number(m[2]) : lo;
  if (!m || lo < 1 || hi > 65535 || hi < lo) throw invalidArgument('stratad', `invalid ${field}: "${text}": expected a host port or range in 1-65535`);
  return [lo, hi];
}

function hostIp(text: string, field: string): string {
  if (text === '' || text === '0.0.0.0' || text === '::') return '';
  ipArg(text, field);
  return text;
}

/** The exposed "port/proto" keys (image's and container's) and the bindings wanted. */
export function parsePorts(hostConfig: Obj, exposedByConfig: unknown, exposedByImage: string[]): { exposed: string[]; wanted: WantedBinding[] } {
  const exposed = new Set<string>();
  const norm = (k: string, field: string) => {
    const p = parsePortKey(k, field);
    return `${p.port}/${p.proto}`;
  };
  for (const k of exposedByImage) {
    try {
      exposed.add(norm(k, 'image ExposedPorts'));
    } catch {
      /* an image's odd entry is not the caller's fault */
    }
  }
  if (exposedByConfig !== undefined && exposedByConfig !== null) {
    if (!isObj(exposedByConfig)) throw invalidArgument('stratad', 'invalid ExposedPorts: expected a map of "port/proto" keys');
    for (const k of Object.keys(exposedByConfig)) exposed.add(norm(k, 'ExposedPorts'));
  }
  const wanted: WantedBinding[] = [];
  const pb = hostConfig.PortBindings;
  if (pb !== undefined && pb !== null) {
    if (!isObj(pb)) throw invalidArgument('stratad', 'invalid HostConfig.PortBindings: expected a map of "port/proto" to a list of bindings');
    for (const [k, list] of Object.entries(pb)) {
      const { port, proto } = parsePortKey(k, 'HostConfig.PortBindings');
      exposed.add(`${port}/${proto}`);
      if (list === null) continue;
      if (!Array.isArray(list)) throw invalidArgument('stratad', `invalid HostConfig.PortBindings["${k}"]: expected a list`);
      for (const b of list) {
        if (!isObj(b)) throw invalidArgument('stratad', `invalid HostConfig.PortBindings["${k}"]: expected {HostIp, HostPort} objects`);
        const ipText = b.HostIp ?? '';
        const portText = b.HostPort ?? '';
        if (typeof ipText !== 'string' || typeof portText !== 'string') throw invalidArgument('stratad', `invalid HostConfig.PortBindings["${k}"]: HostIp and HostPort are strings`);
        wanted.push({ proto, containerPort: port, hostIp: hostIp(ipText, `HostConfig.PortBindings["${k}"].HostIp`), range: hostRange(portText, `HostConfig.PortBindings["${k}"].HostPort`) });
      }
    }
  }
  const all = hostConfig.PublishAllPorts;
  if (all !== undefined && all !== null && typeof all !== 'boolean') throw invalidArgument('stratad', 'invalid HostConfig.PublishAllPorts: expected a boolean');
  if (all === true) {
    for (const key of exposed) {
      const { port, proto } = parsePortKey(key, 'ExposedPorts');
      if (!wanted.some((w) => w.containerPort === port && w.proto === proto)) wanted.push({ proto, containerPort: port, hostIp: '', range: [0, 0] });
    }
  }
  return { exposed: [...exposed].sort(), wanted };
}

function notLocal(e: NodeJS.ErrnoException, host: string): Error {
  if (e.code === 'EADDRNOTAVAIL') return invalidArgument('stratad', `invalid HostIp ${host}: not an address of this host`);
  return internal('kernel', `bind test of ${host}: ${e.message}`, e);
}

/** Does the kernel let us bind ip:port (0 = any free one)?  The bound port, or undefined when in use. */
function probe(proto: 'tcp' | 'udp', ip: string, port: number): Promise<number | undefined> {
  const host = ip || '0.0.0.0';
  return new Promise((resolve, reject) => {
    if (proto === 'udp') {
      const s = createSocket('udp4');
      s.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(notLocal(e, host))));
      s.bind({ port, address: host, exclusive: true }, () => {
        const p = s.address().port;
        s.close(() => resolve(p));
      });
      return;
    }
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) => (e.code === 'EADDRINUSE' ? resolve(undefined) : reject(notLocal(e, host))));
    s.listen({ port, host, exclusive: true }, () => {
      const a = s.address();
      const p = typeof a === 'object' && a ? a.port : 0;
      s.close(() => resolve(p));
    });
  });
}

const overlapIp = (a: string, b: string) => a === '' || b === '' || a === b;

/**
 * Host ports for `wanted`, given what other containers hold.  409 with
 * Docker's words when a port is taken; nothing is reserved here (the caller
 * records the result in one transaction).
 */
export async function resolvePorts(wanted: WantedBinding[], taken: PortBinding[]): Promise<PortBinding[]> {
  const out: PortBinding[] = [];
  const busy = (proto: string, ip: string, port: number) => [...taken, ...out].some((t) => t.proto === proto && t.hostPort === port && overlapIp(t.hostIp, ip));
  for (const w of wanted) {
    let got: number | undefined;
    if (w.range[0] === 0) {
      for (let i = 0; i < 20 && got === undefined; i++) {
        const p = await probe(w.proto, w.hostIp, 0);
        if (p !== undefined && !busy(w.proto, w.hostIp, p)) got = p;
      }
    } else {
      for (let p = w.range[0]; p <= w.range[1] && got === undefined; p++) {
        if (!busy(w.proto, w.hostIp, p) && (await probe(w.proto, w.hostIp, p)) !== undefined) got = p;
      }
    }
    if (got === undefined) {
      const where = `${w.hostIp || '0.0.0.0'}:${w.range[0] === w.range[1] ? w.range[0] : `${w.range[0]}-${w.range[1]}`}`;
      throw conflict('stratad', `driver failed programming external connectivity: Bind for ${where} failed: port is already allocated`);
    }
    out.push({ proto: w.proto, containerPort: w.containerPort, hostIp: w.hostIp, hostPort: got });
  }
  return out;
}
