// IPv4 addresses and CIDR blocks as numbers: parsing (strict, for API input),
// formatting, containment and overlap.  IPv6 is not handled by strata's
// networks (EnableIPv6 is always false).
import { invalidArgument } from '../../errors.ts';

export interface Cidr {
  /** The network address (host bits cleared). */
  base: number;
  bits: number;
}

export function parseIp(text: string): number | undefined {
  const m = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(text);
  if (!m) return undefined;
  const parts = m.slice(1).map(Number);
  if (parts.some((p) => p > 255)) return undefined;
  return (((parts[0] ?? 0) << 24) | ((parts[1] ?? 0) << 16) | ((parts[2] ?? 0) << 8) | (parts[3] ?? 0)) >>> 0;
}

export function formatIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export function mask(bits: number): number {
  return bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
}

/** "172.30.0.1/16" -> { addr: 172.30.0.1, cidr: 172.30.0.0/16 }; undefined when malformed. */
export function parseCidrAddr(text: string): { addr: number; cidr: Cidr } | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m) return undefined;
  const addr = parseIp(m[1] ?? '');
  const bits = Number(m[2]);
  if (addr === undefined || bits > 32) return undefined;
  return { addr, cidr: { base: (addr & mask(bits)) >>> 0, bits } };
}

/** A CIDR from API input; 400 naming `field` when malformed. */
export function cidrArg(text: string, field: string): Cidr {
  const p = parseCidrAddr(text);
  if (!p) throw invalidArgument('stratad', `invalid ${field}: "${text}" is not an IPv4 CIDR (IPv6 is not supported)`);
  return p.cidr;
}

export function ipArg(text: string, field: string): number {
  const n = parseIp(text);
  if (n === undefined) throw invalidArgument('stratad', `invalid ${field}: "${text}" is not an IPv4 address (IPv6 is not supported)`);
  return n;
}

export function formatCidr(c: Cidr): string {
  return `${formatIp(c.base)}/${c.bits}`;
}

export function contains(c: Cidr, ip: number): boolean {
  return ((ip & mask(c.bits)) >>> 0) === c.base;
}

export function overlaps(a: Cidr, b: Cidr): boolean {
  const bits = Math.min(a.bits, b.bits);
  return ((a.base & mask(bits)) >>> 0) === ((b.base & mask(bits)) >>> 0);
}

export function broadcast(c: Cidr): number {
  return (c.base | ~mask(c.bits)) >>> 0;
}

/** Docker's MAC for an IPv4 endpoint: 02:42 then the address bytes. */
export function macFor(ip: number): string {
  return ['02', '42', ...[ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].map((b) => b.toString(16).padStart(2, '0'))].join(':');
}
