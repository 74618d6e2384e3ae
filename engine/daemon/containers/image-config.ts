// The image's runtime config (entrypoint, cmd, env, working dir, user) as
// lifecycled sees it.  lifecycled's API has no call that returns it, but its
// Containers.Create builds a default spec from it when given no spec; so we
// create two short-lived probe containers and read their specs back:
//   args=[SENTINEL] -> process.args = [...entrypoint, SENTINEL], env, cwd, user
//   no args         -> process.args = [...entrypoint, ...cmd] (or "no command")
// Cached per image digest.  An Images.Config RPC in lifecycled would replace
// this file (the probes cost a snapshot each, once per image).
import { randomBytes } from 'node:crypto';

import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { errorClassOf } from '../../errors.ts';

export interface ImageConfig {
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  user: string;
  /** lifecycled's default spec for the image (mounts, devices, cgroup parent): our base. */
  baseSpec: ProbeSpec;
  /** lifecycled's cgroup parent ("/strata"), read from the probe's cgroupsPath. */
  cgroupParent: string;
}

export interface ProbeSpec {
  process: { args: string[]; env: string[]; cwd: string; user: { uid: number; gid: number }; rlimits?: unknown[] };
  mounts: { destination: string; type: string; source: string; options: string[] }[];
  linux: { cgroupsPath: string; resources?: { devices?: unknown[] } };
  [k: string]: unknown;
}

const SENTINEL = '\u0000strata-probe';
const cache = new Map<string, Promise<ImageConfig>>();

async function probe(lc: LifecycleApi, image: string, args: string[] | undefined): Promise<ProbeSpec | undefined> {
  const id = `probe-${randomBytes(6).toString('hex')}`;
  try {
    const c = await lc.containers.create({ id, image, args });
    await lc.containers.delete(id).catch(() => undefined);
    return JSON.parse(c.spec) as ProbeSpec;
  } catch (e) {
    if (errorClassOf(e) === 'InvalidArgument' && /no command/.test(e instanceof Error ? e.message : '')) return undefined;
    throw e;
  }
}

export function imageConfig(lc: LifecycleApi, image: string, digest: string): Promise<ImageConfig> {
  const key = `${image}@${digest}`;
  let p = cache.get(key);
  if (!p) {
    p = load(lc, image);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

async function load(lc: LifecycleApi, image: string): Promise<ImageConfig> {
  const [withSentinel, plain] = await Promise.all([probe(lc, image, [SENTINEL]), probe(lc, image, undefined)]);
  if (!withSentinel) throw new Error(`image ${image}: probe container failed`);
  const entrypoint = withSentinel.process.args.slice(0, -1);
  const cmd = plain ? plain.process.args.slice(entrypoint.length) : [];
  const { uid, gid } = withSentinel.process.user;
  const cgroupsPath = withSentinel.linux.cgroupsPath;
  return {
    entrypoint,
    cmd,
    env: withSentinel.process.env,
    workingDir: withSentinel.process.cwd,
    user: uid === 0 && gid === 0 ? '' : `${uid}:${gid}`,
    baseSpec: withSentinel,
    cgroupParent: cgroupsPath.slice(0, Math.max(0, cgroupsPath.lastIndexOf('/'))) || '/strata',
  };
}
