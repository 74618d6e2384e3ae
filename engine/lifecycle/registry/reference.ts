// Image references as Docker reads them: "busybox" is
// docker.io/library/busybox:latest; "host:port/name:tag"; "name@sha256:<hex>".
// The local name is what lifecycled stores (docker.io/library/ dropped).
import { invalidArgument } from '../../errors.ts';

export const DOCKER_HUB = 'docker.io';

export interface Reference {
  /** "docker.io" or "host[:port]". */
  registry: string;
  /** "library/busybox", "team/app". */
  repository: string;
  tag?: string;
  digest?: string;
}

const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const DOMAIN = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST = /^sha256:[0-9a-f]{64}$/;

/** Parse a reference; `tag` (the API's separate tag or digest parameter) applies when the reference has neither. */
export function parseReference(raw: string, tag?: string): Reference {
  const bad = (why: string) => invalidArgument('lifecycled', `invalid reference format ${JSON.stringify(raw)}: ${why}`);
  if (typeof raw !== 'string' || raw.trim() === '' || raw.length > 512) throw bad('empty or too long');
  let rest = raw.trim();
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('the digest must be sha256:<64 hex>');
  }
  let name = rest;
  let t: string | undefined;
  const slash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > slash) {
    name = rest.slice(0, colon);
    t = rest.slice(colon + 1);
  }
  const parts = name.split('/');
  let registry = DOCKER_HUB;
  const first = parts[0] ?? '';
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    registry = parts.shift() as string;
    if (!DOMAIN.test(registry)) throw bad(`bad registry host ${JSON.stringify(registry)}`);
  }
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') registry = DOCKER_HUB;
  if (parts.length === 0 || !parts.every((p) => COMPONENT.test(p))) throw bad('repository names are lowercase [a-z0-9] components separated by / . _ -');
  if (registry === DOCKER_HUB && parts.length === 1) parts.unshift('library');
  if (tag !== undefined && tag !== '') {
    if (DIGEST.test(tag)) {
      if (digest && digest !== tag) throw bad('two different digests');
      digest = tag;
    } else {
      if (t !== undefined && t !== tag) throw bad('two different tags');
      t = tag;
    }
  }
  if (t !== undefined && !TAG.test(t)) throw bad(`bad tag ${JSON.stringify(t)}`);
  if (t === undefined && digest === undefined) t = 'latest';
  return { registry, repository: parts.join('/'), ...(t !== undefined ? { tag: t } : {}), ...(digest ? { digest } : {}) };
}

/** "busybox", "team/app", "127.0.0.1:5000/app": how Docker prints the repository. */
export function familiarRepository(r: Reference): string {
  if (r.registry !== DOCKER_HUB) return `${r.registry}/${r.repository}`;
  return r.repository.startsWith('library/') ? r.repository.slice(8) : r.repository;
}

/** The path inside the registry as Docker prints it in "Pulling from ...". */
export function remoteName(r: Reference): string {
  return r.repository;
}

/**
 * The name lifecycled stores: "<repo>:<tag>".  A pull by digest alone has no
 * tag: it is stored under the tag "sha256-<hex>", so the name is still unique
 * to that manifest.
 */
export function localName(r: Reference): string {
  const tag = r.tag ?? `sha256-${(r.digest ?? '').slice(7)}`;
  return `${familiarRepository(r)}:${tag}`;
}

export function displayReference(r: Reference): string {
  return `${familiarRepository(r)}${r.tag ? `:${r.tag}` : ''}${r.digest ? `@${r.digest}` : ''}`;
}

/** The host the v2 API lives on. */
export function apiHost(registry: string): string {
  return registry === DOCKER_HUB ? 'registry-1.docker.io' : registry;
}

/** Hostname without port and brackets. */
export function hostnameOf(registry: string): string {
  if (registry.startsWith('[')) return registry.slice(1, registry.indexOf(']'));
  const c = registry.lastIndexOf(':');
  return c >= 0 ? registry.slice(0, c) : registry;
}

/** Docker allows plain HTTP to loopback registries without configuration. */
export function isLoopback(registry: string): boolean {
  const h = hostnameOf(registry);
  return h === 'localhost' || h === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/** Is plain HTTP allowed for this registry (loopback, or listed as host:port or host)? */
export function isInsecure(registry: string, insecure: readonly string[]): boolean {
  return isLoopback(registry) || insecure.includes(registry) || insecure.includes(hostnameOf(registry));
}

/** "os/arch[/variant]" -> parts; "" for the host's. */
export interface Platform {
  os: string;
  architecture: string;
  variant?: string;
}

export function hostPlatform(): Platform {
  const arch = process.arch === 'x64' ? 'amd64' : process.arch === 'ia32' ? '386' : process.arch;
  if (arch === 'arm64') return { os: 'linux', architecture: 'arm64', variant: 'v8' };
  if (arch === 'arm') return { os: 'linux', architecture: 'arm', variant: 'v7' };
  return { os: 'linux', architecture: arch };
}

export function parsePlatform(raw: string): Platform {
  if (!raw) return hostPlatform();
  const p = raw.split('/');
  if (p.length < 2 || p.length > 3 || p.some((x) => !/^[a-z0-9._-]+$/i.test(x))) throw invalidArgument('lifecycled', `invalid platform ${JSON.stringify(raw)}: want os/arch[/variant]`);
  return { os: p[0] as string, architecture: p[1] as string, ...(p[2] ? { variant: p[2] } : {}) };
}
