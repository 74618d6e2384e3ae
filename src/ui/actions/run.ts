// Run from the workbench: create and start under one trace id (the
// X-Strata-Trace header), then post our own client spans to that trace, so
// the trace pane shows the run from the client down to the runtime.
import { randomBytes } from 'node:crypto';

import type { Client } from '../../client/client.ts';
import type { Span, StrataApi } from '../../client/strata.ts';
import type { CreateResponse } from '../../client/types.ts';
import type { RunSpec } from './run-form.ts';

export interface RunResult {
  id: string;
  traceId: string;
}

export async function runContainer(client: Client, strata: StrataApi | undefined, spec: RunSpec): Promise<RunResult> {
  const traceId = randomBytes(16).toString('hex');
  const headers = { 'X-Strata-Trace': traceId };
  const spans: Span[] = [];
  const root = randomBytes(8).toString('hex');
  const t0 = performance.timeOrigin + performance.now();
  const timed = async <T>(name: string, call: () => Promise<T>): Promise<T> => {
    const start = performance.timeOrigin + performance.now();
    let status = 0;
    try {
      const r = await call();
      status = 200;
      return r;
    } catch (e) {
      status = (e as { status?: number }).status ?? 599;
      throw e;
    } finally {
      spans.push({ spanId: randomBytes(8).toString('hex'), parentId: root, layer: 'client', name, start, durationMs: performance.timeOrigin + performance.now() - start, attrs: { status } });
    }
  };
  const created = await timed('POST /containers/create', () =>
    client.transport.json<CreateResponse>({ method: 'POST', path: '/containers/create', query: { name: spec.name }, body: spec.body, headers }),
  );
  await timed('POST /containers/{id}/start', () => client.transport.empty({ method: 'POST', path: `/containers/${encodeURIComponent(created.Id)}/start`, headers }));
  spans.unshift({ spanId: root, parentId: null, layer: 'client', name: 'strata ui: run', start: t0, durationMs: performance.timeOrigin + performance.now() - t0, attrs: { image: spec.body.Image ?? '' } });
  // The trace is a courtesy: a daemon without /strata/ (dockerd) still ran the container.
  await strata?.postSpans(traceId, spans).catch(() => undefined);
  return { id: created.Id, traceId };
}
