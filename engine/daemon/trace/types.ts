// A trace as stratad answers it (engine/daemon/STRATA-API.md, "Traces").
import type { Layer } from '../strata-api.ts';

export type { Layer, Span, Trace } from '../strata-api.ts';
export const LAYERS: readonly Layer[] = ['client', 'stratad', 'strata-lifecycled', 'strata-shim', 'strata-runtime'];

export const TRACE_ID = /^[0-9a-f]{16,32}$/i;
export const SPAN_ID = /^[0-9a-zA-Z]{1,32}$/;
