// Which repositories of a registry are known to hold a blob (from pulls and
// pushes), so a push can ask the registry to mount it instead of uploading it.
// A small JSON file, written atomically; losing it only costs an upload.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const MAX_PER_BLOB = 8;

export class BlobSources {
  private readonly file: string;
  constructor(dataRoot: string) {
    this.file = join(dataRoot, 'registry-blob-sources.json');
  }

  private read(): Record<string, string[]> {
    try {
      const v = JSON.parse(readFileSync(this.file, 'utf8')) as unknown;
      return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, string[]>) : {};
    } catch {
      return {};
    }
  }

  /** Repositories ("repo" of registry) holding digest. */
  of(registry: string, digest: string): string[] {
    const list = this.read()[digest] ?? [];
    return list.filter((s) => s.startsWith(`${registry}/`)).map((s) => s.slice(registry.length + 1));
  }

  add(registry: string, repository: string, digests: string[]): void {
    const all = this.read();
    const key = `${registry}/${repository}`;
    for (const d of digests) {
      const list = (all[d] ?? []).filter((s) => s !== key);
      list.unshift(key);
      all[d] = list.slice(0, MAX_PER_BLOB);
    }
    const tmp = `${this.file}.tmp`;
    writeFileSync(tmp, JSON.stringify(all));
    renameSync(tmp, this.file);
  }
}
