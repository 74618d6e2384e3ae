// The engine's one error type: a class (what kind of failure, which decides the
// gRPC / HTTP status), the layer that failed, a message in plain words and the
// cause.  Translate it once per boundary (containerd errgrpc.ToGRPC): gRPC in
// lifecycled (toGrpcStatus), HTTP in stratad.

export type ErrorClass =
  | 'NotFound'
  | 'AlreadyExists'
  | 'InvalidArgument'
  | 'Conflict'
  | 'FailedPrecondition'
  | 'Unavailable'
  | 'Internal';

export type Layer = 'stratad' | 'lifecycled' | 'shim' | 'runtime' | 'kernel' | 'images';

export class EngineError extends Error {
  readonly errorClass: ErrorClass;
  readonly layer: Layer;
  override readonly cause: unknown;

  constructor(errorClass: ErrorClass, layer: Layer, message: string, cause?: unknown) {
    super(message);
    this.name = errorClass;
    this.errorClass = errorClass;
    this.layer = layer;
    this.cause = cause;
  }
}

export const notFound = (layer: Layer, message: string, cause?: unknown) => new EngineError('NotFound', layer, message, cause);
export const alreadyExists = (layer: Layer, message: string, cause?: unknown) => new EngineError('AlreadyExists', layer, message, cause);
export const invalidArgument = (layer: Layer, message: string, cause?: unknown) => new EngineError('InvalidArgument', layer, message, cause);
export const conflict = (layer: Layer, message: string, cause?: unknown) => new EngineError('Conflict', layer, message, cause);
export const failedPrecondition = (layer: Layer, message: string, cause?: unknown) => new EngineError('FailedPrecondition', layer, message, cause);
export const unavailable = (layer: Layer, message: string, cause?: unknown) => new EngineError('Unavailable', layer, message, cause);
export const internal = (layer: Layer, message: string, cause?: unknown) => new EngineError('Internal', layer, message, cause);

export function isEngineError(e: unknown, cls?: ErrorClass): e is EngineError {
  return e instanceof EngineError && (cls === undefined || e.errorClass === cls);
}

/** The class of any thrown value, as asEngineError sees it. */
export function errorClassOf(e: unknown): ErrorClass {
  return asEngineError(e, 'lifecycled').errorClass;
}

const CLASSES = new Set<string>(['NotFound', 'AlreadyExists', 'InvalidArgument', 'Conflict', 'FailedPrecondition', 'Unavailable', 'Internal']);
const LAYERS = new Set<string>(['stratad', 'lifecycled', 'shim', 'runtime', 'kernel', 'images']);

/**
 * Any thrown value as an EngineError.  Errors of other modules that carry a
 * class name in `code` and a `layer` (the image side's ImageError, the shim
 * client's errors) keep them; anything else becomes Internal of `layer`.
 */
export function asEngineError(e: unknown, layer: Layer): EngineError {
  if (e instanceof EngineError) return e;
  const message = e instanceof Error ? e.message : String(e);
  if (e instanceof Error && 'code' in e && typeof e.code === 'string' && CLASSES.has(e.code)) {
    const l = 'layer' in e && typeof e.layer === 'string' && LAYERS.has(e.layer) ? (e.layer as Layer) : layer;
    return new EngineError(e.code as ErrorClass, l, message, e);
  }
  return internal(layer, message, e);
}

/** gRPC status codes (grpc/status.h), kept here so errors.ts needs no gRPC import. */
export const GRPC_CODE: Record<ErrorClass, number> = {
  InvalidArgument: 3,
  NotFound: 5,
  AlreadyExists: 6,
  FailedPrecondition: 9,
  Conflict: 10, // ABORTED: containerd maps its conflicts there too
  Internal: 13,
  Unavailable: 14,
};

const CLASS_OF_CODE = new Map<number, ErrorClass>(Object.entries(GRPC_CODE).map(([k, v]) => [v, k as ErrorClass]));

/** The status a gRPC handler answers with; details carry the layer ("layer: message"). */
export function toGrpcStatus(e: unknown, layer: Layer): { code: number; details: string } {
  const err = asEngineError(e, layer);
  return { code: GRPC_CODE[err.errorClass], details: `${err.layer}: ${err.message}` };
}

/** Back from a gRPC status on the client side: the class from the code, the layer from the details. */
export function fromGrpcStatus(code: number, details: string): EngineError {
  const cls = CLASS_OF_CODE.get(code) ?? (code === 4 || code === 1 ? 'Unavailable' : 'Internal');
  const m = /^(stratad|lifecycled|shim|runtime|kernel|images): (.*)$/s.exec(details);
  if (m && m[1] && m[2] !== undefined) return new EngineError(cls, m[1] as Layer, m[2]);
  return new EngineError(cls, 'lifecycled', details);
}
