// What a container starts from: the image's runtime config (entrypoint, cmd,
// env, working dir, user) from lifecycled's Images.Config, the process user
// resolved inside the image by Images.ResolveUser (names read from the
// image's /etc/passwd and /etc/group), and the base of the OCI spec: Docker's
// default mounts, device rules and rlimits (the shared lists in
// lifecycle/containers/default-spec.ts) under stratad's cgroup parent.
// The config is cached per image name and manifest digest; the user is
// resolved per container.
import type { LifecycleApi } from '../../lifecycle/api-types.ts';
import { DEFAULT_DEVICES, DEFAULT_MOUNTS, DEFAULT_RLIMITS } from '../../lifecycle/containers/default-spec.ts';
import { internal, invalidArgument, isEngineError } from '../../errors.ts';

/** stratad's cgroup parent for its containers (Docker's is /docker; lifecycled's default is the same). */
export const CGROUP_PARENT = '/strata';

const DEFAULT_PATH = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export interface BaseSpec {
  process: { rlimits?: unknown[] };
  mounts: { destination: string; type: string; source: string; options: string[] }[];
  linux: { resources?: { devices?: unknown[] } };
}

/** The OCI process user. */
export interface ProcessUser {
  uid: number;
  gid: number;
  additionalGids: number[];
}

export interface ImageConfig {
  /** Docker's image ID: the config digest. */
  id: string;
  entrypoint: string[];
  cmd: string[];
  env: string[];
  workingDir: string;
  /** The image's USER, as written in its config. */
  user: string;
  /** The ids the container's user (or else the image's) names inside the image. */
  processUser: ProcessUser;
  baseSpec: BaseSpec;
  cgroupParent: string;
}

type Cached = Omit<ImageConfig, 'processUser'>;

const cache = new Map<string, Promise<Cached>>();

function strings(v: unknown): string[] {
  return Array.isArray(v) ? v.filter((s): s is string => typeof s === 'string') : [];
}

function object(v: unknown): Record<string, unknown> {
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

async function load(lc: LifecycleApi, image: string): Promise<Cached> {
  const { digest, config } = await lc.images.config(image);
  let doc: unknown;
  try {
    doc = JSON.parse(config);
  } catch (e) {
    throw internal('stratad', `image ${image}: its config ${digest} is not JSON`, e);
  }
  const c = object(object(doc).config);
  const env = strings(c.Env);
  return {
    id: digest,
    entrypoint: strings(c.Entrypoint),
    cmd: strings(c.Cmd),
    env: env.some((e) => e.startsWith('PATH=')) ? env : [DEFAULT_PATH, ...env],
    workingDir: typeof c.WorkingDir === 'string' ? c.WorkingDir : '',
    user: typeof c.User === 'string' ? c.User : '',
    baseSpec: {
      process: { rlimits: DEFAULT_RLIMITS.map((r) => ({ ...r })) },
      mounts: DEFAULT_MOUNTS.map((m) => ({ ...m, options: [...m.options] })),
      linux: { resources: { devices: DEFAULT_DEVICES.map((d) => ({ ...d })) } },
    },
    cgroupParent: CGROUP_PARENT,
  };
}

function cached(lc: LifecycleApi, image: string, digest: string): Promise<Cached> {
  const key = `${image}@${digest}`;
  let p = cache.get(key);
  if (!p) {
    p = load(lc, image);
    cache.set(key, p);
    p.catch(() => cache.delete(key));
  }
  return p;
}

/** The user spec's ids in the image; an unknown name is a 400 naming the user and the image. */
export async function resolveUser(lc: LifecycleApi, image: string, user: string): Promise<ProcessUser> {
  try {
    const r = await lc.images.resolveUser(image, user);
    return { uid: r.uid, gid: r.gid, additionalGids: r.additional_gids };
  } catch (e) {
    if (isEngineError(e, 'InvalidArgument')) throw invalidArgument('stratad', e.message.replace(/^[a-z]+: /, ''), e);
    throw e;
  }
}

/** The image's config (cached) with `user` (the container's, else the image's) resolved in it. */
export async function imageConfig(lc: LifecycleApi, image: string, digest: string, user = ''): Promise<ImageConfig> {
  const c = await cached(lc, image, digest);
  return { ...c, processUser: await resolveUser(lc, image, user || c.user) };
}
