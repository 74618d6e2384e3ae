// The Containers service, local side.  A container is metadata (containerd
// core/containers): id, image, spec, snapshot key (= id), runtime, labels.
// Create prepares the container's writable snapshot first, then commits the
// row; a crash in between leaves a snapshot without a row, which recovery
// removes.  Delete removes the row first for the same reason.
import { rmSync } from 'node:fs';

import type { Container, ContainersApi, CreateContainerRequest } from '../api-types.ts';
import { alreadyExists, errorClassOf, failedPrecondition, invalidArgument, notFound } from '../../errors.ts';
import type { Publish } from '../events/exchange.ts';
import type { ImageService } from '../images/types.ts';
import { ID_PATTERN, type Layout } from '../paths.ts';
import type { ContainerStore } from '../store/containers.ts';
import { Undo } from '../tasks/undo.ts';
import { defaultSpec } from './default-spec.ts';

export interface ContainerServiceDeps {
  layout: Layout;
  containers: ContainerStore;
  images: ImageService;
  publish: Publish;
  /** Does the container have a task (any state)? */
  hasTask: (id: string) => boolean;
  defaultRuntime: string;
  cgroupParent: string;
  log: (msg: string) => void;
}

function checkSpec(id: string, text: string): string {
  let spec: unknown;
  try {
    spec = JSON.parse(text);
  } catch (e) {
    throw invalidArgument('lifecycled', `container ${id}: spec is not valid JSON`, e);
  }
  if (!spec || typeof spec !== 'object' || Array.isArray(spec)) throw invalidArgument('lifecycled', `container ${id}: spec must be a JSON object`);
  if (!('process' in spec) || !spec.process || typeof spec.process !== 'object') throw invalidArgument('lifecycled', `container ${id}: spec has no process`);
  return JSON.stringify(spec);
}

function checkLabels(labels: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(labels ?? {})) {
    if (k === '' || typeof v !== 'string') throw invalidArgument('lifecycled', `bad label "${k}"`);
    out[k] = v;
  }
  return out;
}

export class ContainerService implements ContainersApi {
  constructor(private readonly d: ContainerServiceDeps) {}

  async create(req: CreateContainerRequest): Promise<Container> {
    const { id } = req;
    if (!ID_PATTERN.test(id ?? '')) throw invalidArgument('lifecycled', `bad container id "${id}": 1-64 of [A-Za-z0-9_.-], starting with a letter or digit`);
    if (!req.image) throw invalidArgument('lifecycled', `container ${id}: no image`);
    if (this.d.containers.get(id)) throw alreadyExists('lifecycled', `container ${id} already exists`);
    if (!this.d.images.get(req.image)) throw notFound('lifecycled', `image ${req.image} not found`);
    const labels = checkLabels(req.labels);
    const spec = req.spec ? checkSpec(id, req.spec) : JSON.stringify(await this.defaultSpecOf(req));
    const now = new Date().toISOString();
    const c: Container = {
      id, image: req.image, spec, snapshot_key: id, runtime: req.runtime || this.d.defaultRuntime, labels, created_at: now, updated_at: now,
    };
    const undo = new Undo();
    try {
      await this.d.images.prepareRootfs(req.image, c.snapshot_key);
      undo.push('snapshot', () => this.d.images.removeSnapshot(c.snapshot_key));
      this.d.containers.insert(c);
      undo.dismiss();
    } catch (e) {
      await undo.run(this.d.log);
      throw e;
    }
    this.d.publish('/containers/create', { id, image: c.image, runtime: { name: c.runtime } });
    return c;
  }

  /** The image's defaults; a user name in its config resolved in its /etc/passwd (Images.ResolveUser). */
  private async defaultSpecOf(req: CreateContainerRequest): Promise<ReturnType<typeof defaultSpec>> {
    const image = await this.d.images.runtimeConfig(req.image);
    const named = image.user !== '' && !/^\d+(:\d+)?$/.test(image.user);
    const user = named && this.d.images.resolveUser ? await this.d.images.resolveUser(req.image, image.user) : undefined;
    return defaultSpec({ id: req.id, image, args: req.args, env: req.env, tty: req.tty, hostname: req.hostname, cgroupParent: this.d.cgroupParent, user });
  }

  async get(id: string): Promise<Container> {
    const c = this.d.containers.get(id);
    if (!c) throw notFound('lifecycled', `container ${id} not found`);
    return c;
  }

  async list(): Promise<Container[]> {
    return this.d.containers.list();
  }

  async update(id: string, labels: Record<string, string>): Promise<Container> {
    await this.get(id);
    const checked = checkLabels(labels);
    this.d.containers.updateLabels(id, checked, new Date().toISOString());
    const c = await this.get(id);
    this.d.publish('/containers/update', { id, image: c.image, labels: c.labels, snapshot_key: c.snapshot_key });
    return c;
  }

  async delete(id: string): Promise<void> {
    const c = await this.get(id);
    if (this.d.hasTask(id)) throw failedPrecondition('lifecycled', `cannot delete container ${id}: it has a task (delete the task first)`);
    this.d.containers.delete(id);
    try {
      await this.d.images.removeSnapshot(c.snapshot_key);
    } catch (e) {
      if (errorClassOf(e) !== 'NotFound') this.d.log(`container ${id}: remove snapshot: ${e instanceof Error ? e.message : String(e)}`);
    }
    rmSync(this.d.layout.containerDataDir(id), { recursive: true, force: true });
    this.d.publish('/containers/delete', { id });
  }
}
