// The human strings `docker ps` prints, computed by the daemon (moby
// container/state.go String(), go-units HumanDuration).
import { ZERO_TIME, type ContainerState } from './types.ts';

export function humanDuration(ms: number): string {
  const seconds = Math.floor(ms / 1000);
  if (seconds < 1) return 'Less than a second';
  if (seconds === 1) return '1 second';
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.floor(ms / 60_000);
  if (minutes === 1) return 'About a minute';
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.floor(ms / 3_600_000 + 0.5);
  if (hours === 1) return 'About an hour';
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.floor(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.floor(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.floor(hours / 24 / 30)} months`;
  return `${Math.floor(hours / 24 / 365)} years`;
}

const since = (t: string, now: number) => humanDuration(now - Date.parse(t));

export function statusString(s: ContainerState, now = Date.now()): string {
  switch (s.Status) {
    case 'running':
      return `Up ${since(s.StartedAt, now)}`;
    case 'paused':
      return `Up ${since(s.StartedAt, now)} (Paused)`;
    case 'restarting':
      return `Restarting (${s.ExitCode}) ${since(s.FinishedAt, now)} ago`;
    case 'removing':
      return 'Removal In Progress';
    case 'dead':
      return 'Dead';
    case 'created':
      return 'Created';
    case 'exited':
      return s.FinishedAt === ZERO_TIME ? '' : `Exited (${s.ExitCode}) ${since(s.FinishedAt, now)} ago`;
  }
}

/** RFC 3339 with nanosecond digits, as Docker prints times. */
export function nowNano(ms = Date.now()): string {
  const iso = new Date(ms).toISOString();
  return `${iso.slice(0, 19)}.${String((ms % 1000) * 1_000_000).padStart(9, '0')}Z`;
}
