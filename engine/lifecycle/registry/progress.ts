// What pull and push report as they go (streamed over gRPC as Progress
// messages, rendered by stratad as Docker's JSON progress).
export interface Progress {
  /** A layer's short id (12 hex), a tag, or "" for whole-operation lines. */
  id: string;
  status: string;
  current: number;
  total: number;
  /** On the final message ("done"): the manifest digest. */
  digest: string;
  /** On the final message of a pull: the local image name. */
  image: string;
  /** On the final message: pull "downloaded" | "uptodate"; push the tag. */
  detail: string;
  /** On the final message of a push: the manifest size. */
  size: number;
}

export function progress(p: Partial<Progress> & { status: string }): Progress {
  return { id: '', current: 0, total: 0, digest: '', image: '', detail: '', size: 0, ...p };
}

export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** A queue an operation pushes into and a consumer iterates (ends on close or fail). */
export class Channel<T> implements AsyncIterable<T> {
  private items: T[] = [];
  private waiting: (() => void) | undefined;
  private done = false;
  private error: unknown;

  push(v: T): void {
    if (this.done) return;
    this.items.push(v);
    this.wake();
  }
  close(): void {
    this.done = true;
    this.wake();
  }
  fail(e: unknown): void {
    this.error = e ?? new Error('failed');
    this.done = true;
    this.wake();
  }
  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      if (this.items.length > 0) {
        yield this.items.shift() as T;
        continue;
      }
      if (this.done) {
        if (this.error !== undefined) throw this.error;
        return;
      }
      await new Promise<void>((r) => (this.waiting = r));
    }
  }
}

/** Run tasks with at most `limit` at once; all settle before the first error is thrown. */
export async function limited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let firstError: unknown;
  let failed = false;
  const worker = async () => {
    while (next < items.length && !failed) {
      const item = items[next++] as T;
      try {
        await fn(item);
      } catch (e) {
        if (!failed) {
          failed = true;
          firstError = e;
        }
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  if (failed) throw firstError;
}
