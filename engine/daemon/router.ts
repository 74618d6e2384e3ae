// Route matching: the /vX.YY prefix is stripped (moby registers every route
// bare and under /v{version}), then the path is matched segment by segment.
// A parameter named with a trailing `*` (":name*") is greedy: image names
// carry "/" and ":" (moby's {name:.*}), so /images/:name*/json matches
// /images/localhost:5000/foo/json.
import type { Handler, Route } from './http-types.ts';

interface Compiled {
  method: Route['method'];
  re: RegExp;
  keys: string[];
  handler: Handler;
}

export interface Match {
  handler: Handler;
  params: Record<string, string>;
}

function compile(route: Route): Compiled {
  const keys: string[] = [];
  const parts = route.path.split('/').map((seg) => {
    const m = /^:([A-Za-z_][A-Za-z0-9_]*)(\*)?$/.exec(seg);
    if (!m || !m[1]) return seg.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    keys.push(m[1]);
    return m[2] ? '(.+)' : '([^/]+)';
  });
  return { method: route.method, re: new RegExp(`^${parts.join('/')}/?$`), keys, handler: route.handler };
}

export class Router {
  private readonly compiled: Compiled[];

  constructor(routes: Route[]) {
    this.compiled = routes.map(compile);
  }

  /** HEAD falls back to GET when no HEAD route exists (Node drops the body). */
  match(method: string, path: string): Match | undefined {
    return this.find(method, path) ?? (method === 'HEAD' ? this.find('GET', path) : undefined);
  }

  private find(method: string, path: string): Match | undefined {
    for (const c of this.compiled) {
      if (c.method !== method) continue;
      const m = c.re.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      c.keys.forEach((k, i) => {
        params[k] = decodeURIComponent(m[i + 1] ?? '');
      });
      return { handler: c.handler, params };
    }
    return undefined;
  }
}

/** "/v1.47/containers/json" -> { version: "1.47", path: "/containers/json" }. */
export function splitVersion(pathname: string): { version: string | undefined; path: string } {
  const m = /^\/v(\d+\.\d+)(\/.*)?$/.exec(pathname);
  if (!m) return { version: undefined, path: pathname };
  return { version: m[1], path: m[2] ?? '/' };
}
