// The resume logic of `logs -f` across a daemon restart: since is
// inclusive, so the entries at the cursor's timestamp come again and are
// skipped by count; newer ones pass; the cursor becomes the API's since.
import { describe, expect, it } from 'vitest';

import { EntryGate, tsToUnix } from '../../src/cli/log-follow.ts';

describe('EntryGate', () => {
  it('skips what was printed, keeps same-time entries not yet seen', () => {
    const g = new EntryGate();
    const T1 = '2026-11-23T10:00:00.000000001Z';
    const T2 = '2026-11-23T10:00:00.000000002Z';
    g.pass();
    expect([g.admit(T1), g.admit(T2), g.admit(T2)]).toEqual([true, true, true]);
    // The stream dropped after the second T2 entry; a third T2 entry was written meanwhile.
    g.pass();
    expect([g.admit(T2), g.admit(T2), g.admit(T2)]).toEqual([false, false, true]);
    expect(g.admit('2026-11-23T10:00:01.000000000Z')).toBe(true);
    g.pass();
    expect(g.admit(T1)).toBe(false);
    expect(g.since).toBe('1795428001.000000000');
  });

  it('converts timestamps to unix seconds with nanoseconds', () => {
    expect(tsToUnix('2026-11-23T10:00:00.123456789Z')).toBe('1795428000.123456789');
    expect(tsToUnix('2026-11-23T10:00:00Z')).toBe('1795428000.000000000');
  });
});
