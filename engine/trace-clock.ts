// Shared by stratad and strata-lifecycled: both stamp spans for the same traces.
// Wall-clock milliseconds with sub-millisecond steps, for span starts that line
// up with the native layers' CLOCK_REALTIME microseconds: the monotonic clock,
// re-anchored to Date.now() every few seconds so a long-running daemon does
// not drift from the wall clock (NTP slewing, suspend).
const REANCHOR_MS = 5_000;
let anchor = { at: -Infinity, offset: 0 };

export function wallNowMs(): number {
  const t = performance.now();
  // Date.now() is truncated to the millisecond: +0.5 centres the error.
  if (t - anchor.at > REANCHOR_MS) anchor = { at: t, offset: Date.now() + 0.5 - t };
  return anchor.offset + t;
}
