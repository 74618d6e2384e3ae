// The image side's errors: the engine's one error type (engine/errors.ts) with
// the layer "images" (or "kernel" when a system call was refused), so the gRPC
// adapter translates them like any other.
import { EngineError, type ErrorClass } from '../../errors.ts';

export { EngineError as ImageError };
export type ErrorCode = ErrorClass;

export const notFound = (msg: string): EngineError => new EngineError('NotFound', 'images', msg);
export const alreadyExists = (msg: string): EngineError => new EngineError('AlreadyExists', 'images', msg);
export const invalidArgument = (msg: string, cause?: unknown): EngineError => new EngineError('InvalidArgument', 'images', msg, cause);
export const failedPrecondition = (msg: string): EngineError => new EngineError('FailedPrecondition', 'images', msg);
export const unavailable = (msg: string): EngineError => new EngineError('Unavailable', 'images', msg);
export const internal = (msg: string, cause?: unknown): EngineError => new EngineError('Internal', 'images', msg, cause);
/** A system call the kernel refused (mount, mknod, setxattr, chown). */
export const kernel = (msg: string, cause?: unknown): EngineError => new EngineError('Internal', 'kernel', msg, cause);

export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
