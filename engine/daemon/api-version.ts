// The API version range stratad speaks (ENGINE-API.md section 1).  1.50 is
// what docker CLI 28 starts at, so it never downgrades and the version-gated
// behaviour of the reference applies as written; >= 1.40 keeps docker CLI 29
// (MinAPIVersion 1.40 on its side) working; docker-py and dockerode take
// whatever /version says.  1.24 is moby v28's minimum.
export const API_VERSION = '1.50';
export const MIN_API_VERSION = '1.24';
export const STRATAD_VERSION = '0.1.0';

/** Compare "1.9" < "1.24" numerically. */
export function compareVersions(a: string, b: string): number {
  const [amaj = 0, amin = 0] = a.split('.').map(Number);
  const [bmaj = 0, bmin = 0] = b.split('.').map(Number);
  return amaj !== bmaj ? amaj - bmaj : amin - bmin;
}

/** moby's refusal for out-of-range versions, or undefined when in range. */
export function versionProblem(v: string): string | undefined {
  if (compareVersions(v, MIN_API_VERSION) < 0) return `client version ${v} is too old. Minimum supported API version is ${MIN_API_VERSION}, please upgrade your client to a newer version`;
  if (compareVersions(v, API_VERSION) > 0) return `client version ${v} is too new. Maximum supported API version is ${API_VERSION}`;
  return undefined;
}
