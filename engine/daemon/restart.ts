// Restart policies (moby restartmanager/restartmanager.go): whether an exit
// is followed by a restart, and after how long.  The delay starts at 100 ms
// and doubles on each restart, capped at 1 minute; a run of 10 s or more
// resets it.
import type { ContainerRecord } from './containers/types.ts';

const BACKOFF_START_MS = 100;
const BACKOFF_MAX_MS = 60_000;
const RESET_AFTER_MS = 10_000;

export interface RestartDecision {
  restart: boolean;
  delayMs: number;
}

/**
 * After an exit observed while the daemon runs.  `always` and
 * `unless-stopped` honour a manual stop; `on-failure[:N]` restarts non-zero
 * exits up to N times (0 = no limit).
 */
export function shouldRestart(rec: ContainerRecord, exitCode: number, ranMs: number, previousDelayMs: number): RestartDecision {
  const p = rec.hostConfig.RestartPolicy;
  let restart = false;
  if (!rec.manuallyStopped) {
    if (p.Name === 'always' || p.Name === 'unless-stopped') restart = true;
    else if (p.Name === 'on-failure') restart = exitCode !== 0 && (p.MaximumRetryCount === 0 || rec.restartCount < p.MaximumRetryCount);
  }
  const delayMs = ranMs >= RESET_AFTER_MS || previousDelayMs === 0 ? BACKOFF_START_MS : Math.min(previousDelayMs * 2, BACKOFF_MAX_MS);
  return { restart, delayMs };
}

/**
 * At daemon start, for a container that is not running: `always` comes back
 * even after a manual stop (Docker's documented difference from
 * unless-stopped), `unless-stopped` unless stopped by hand, `on-failure` when
 * it failed and has retries left.  Never-started containers stay put.
 */
export function restartOnDaemonStart(rec: ContainerRecord): boolean {
  if (!rec.hasBeenStarted) return false;
  const p = rec.hostConfig.RestartPolicy;
  if (p.Name === 'always') return true;
  if (p.Name === 'unless-stopped') return !rec.manuallyStopped;
  if (p.Name === 'on-failure') return !rec.manuallyStopped && rec.state.ExitCode !== 0 && (p.MaximumRetryCount === 0 || rec.restartCount < p.MaximumRetryCount);
  return false;
}
