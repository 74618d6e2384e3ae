// Presentation functions: pure text from domain objects, no Ink.
import { describe, expect, it } from 'vitest';

import { runSpec, runFormFields, splitWords } from '../../src/ui/actions/run-form.ts';
import { brailleChart, sparkline } from '../../src/ui/presentation/charts.ts';
import { sizeColumns } from '../../src/ui/presentation/columns.ts';
import { bytes, duration, fit, memoryOf, millis, percent } from '../../src/ui/presentation/format.ts';
import { layout } from '../../src/ui/presentation/layout.ts';
import { cgroupCaption, cgroupRows, containerRows, eventRows, filterContainers, parentOf, requestRows, shimCaption, shimRows, shortPath, statusUptime } from '../../src/ui/presentation/panes.ts';
import { feedStatus } from '../../src/ui/presentation/status.ts';
import { bar, spanTree, traceRows, traceSummary } from '../../src/ui/presentation/trace.ts';
import { frameKey } from '../../src/ui/presentation/frame-key.ts';
import { addEvents, addMarker, addRequests, addStats } from '../../src/ui/store/reduce.ts';
import { TOUR, tourLines } from '../../src/ui/tour/steps.ts';
import { recorded, recordedState } from './recorded.ts';

const NOW = Date.parse('2026-11-23T19:55:00Z');

describe('formatters', () => {
  it('sizes in binary units', () => {
    expect(bytes(0)).toBe('0B');
    expect(bytes(1536)).toBe('1.5K');
    expect(bytes(64 * 1024 * 1024)).toBe('64.0M');
    expect(bytes(undefined)).toBe('-');
  });
  it('durations, latencies, percentages, memory against a limit', () => {
    expect(duration(5)).toBe('5s');
    expect(duration(47)).toBe('40s');
    expect(duration(125)).toBe('2m');
    expect(duration(7200)).toBe('2h');
    expect(duration(-1)).toBe('-');
    expect(millis(0.4215)).toBe('0.42ms');
    expect(millis(12.34)).toBe('12.3ms');
    expect(millis(1500)).toBe('1.5s');
    expect(percent(12.345)).toBe('12.3%');
    expect(memoryOf(1048576, 67108864)).toBe('1.0M/64.0M');
    expect(memoryOf(1048576, 0)).toBe('1.0M/∞');
  });
  it('fits text to exact widths', () => {
    expect(fit('abc', 5)).toBe('abc  ');
    expect(fit('abc', 5, true)).toBe('  abc');
    expect(fit('abcdefgh', 5)).toBe('abcd…');
    expect(fit('a\x1b[31mb', 4)).toHaveLength(4); // control characters cannot reach the terminal
    expect(fit('a\x1b[31mb', 4)).not.toContain('\x1b');
  });
  it("reads docker's uptime words", () => {
    expect(statusUptime('Up Less than a second')).toBe('0s');
    expect(statusUptime('Up 5 minutes')).toBe('5m');
    expect(statusUptime('Up About an hour')).toBe('1h');
    expect(statusUptime('Up 3 days (Paused)')).toBe('3d');
    expect(statusUptime('Exited (0) 2 minutes ago')).toBe('-');
  });
});

describe('charts', () => {
  it('sparkline scales to the max and pads on the left', () => {
    expect(sparkline([0, 50, 100], 5, 100)).toBe('   ▅█'.replace('▅', sparkline([50], 1, 100)));
    expect(sparkline([100], 3, 100)).toBe('  █');
    expect(sparkline([], 4)).toBe('    ');
    expect([...sparkline([1, 2, 3, 4, 5, 6, 7, 8], 4)]).toHaveLength(4);
  });
  it('braille chart: full column of dots at max, spaces (not U+2800) where empty', () => {
    const rows = brailleChart([100, 0], 1, 2, 100);
    expect(rows).toHaveLength(2);
    // left column full (dots 1,2,3,7), right column empty
    expect(rows[0]).toBe(String.fromCharCode(0x2800 + 0x01 + 0x02 + 0x04 + 0x40));
    expect(rows[1]).toBe(String.fromCharCode(0x2800 + 0x01 + 0x02 + 0x04 + 0x40));
    expect(brailleChart([0, 0, 0], 2, 2, 100)).toEqual(['  ', '  ']);
    expect(brailleChart([100], 3, 1).join('')).not.toContain('\u2800');
  });
});

describe('columns and layout', () => {
  it('gives the flexible column the spare width and never exceeds the total', () => {
    const cols = [{ title: 'A', width: 4 }, { title: 'B', width: 5, flex: true }, { title: 'C', width: 3 }];
    expect(sizeColumns(cols, 20)).toEqual([4, 11, 3]);
    const narrow = sizeColumns(cols, 8);
    expect(narrow.reduce((a, b) => a + b, 0) + 2).toBeLessThanOrEqual(8 + 2);
  });
  it('80x24: containers and one tabbed layer pane, frame one row shorter than the screen', () => {
    const l = layout(80, 24, 'events');
    expect(l.height).toBe(23);
    expect(l.tabbed).toBe(true);
    expect(l.columns).toHaveLength(1);
    expect(l.columns[0]!.panes.map((p) => p.id)).toEqual(['containers', 'events']);
    expect(l.columns[0]!.panes.reduce((n, p) => n + p.height, 0)).toBe(23 - 2);
  });
  it('a big screen shows every pane at once', () => {
    const l = layout(200, 60, 'requests');
    expect(l.tabbed).toBe(false);
    expect(l.columns.flatMap((c) => c.panes.map((p) => p.id)).sort()).toEqual(['cgroups', 'containers', 'events', 'requests', 'shims', 'trace']);
    expect(l.columns.reduce((n, c) => n + c.width, 0)).toBe(200);
  });
});

describe('pane rows from recorded streams', () => {
  const s = recordedState();
  for (const width of [78, 118]) {
    it(`every row is exactly ${width} columns`, () => {
      const all = [containerRows(s, width, NOW), requestRows(s.requests, width), eventRows(s.events, width), shimRows(s.shims, width, NOW), cgroupRows(s, width), traceRows(s.trace, width)];
      for (const r of all) {
        expect([...r.header].length).toBe(width);
        for (const row of r.rows) expect([...row.text].length).toBe(width);
      }
    });
  }
  it('containers: name, image, state, uptime from the shim, CPU% and memory against the limit', () => {
    const r = containerRows(s, 118, NOW);
    const web = r.rows.find((x) => x.text.startsWith('web '));
    expect(web?.text).toMatch(/web\s+busybox\s+running\s+1m\s+0\.1%\s+420K\/64\.0M\s+2/);
    expect(web?.tone).toBe('ok');
    const gentle = r.rows.find((x) => x.text.startsWith('gentle_turing'));
    expect(gentle?.text).toMatch(/gentle_turing\s+busybox\s+exited\s+-\s+-\s+-\s+-/);
    expect(gentle?.tone).toBe('muted');
    expect(r.rows.find((x) => x.text.startsWith('traced '))?.text).toMatch(/traced\s+busybox\s+running\s+50s/);
    expect(filterContainers(s.containers, 'gentle').map((c) => c.Names[0])).toEqual(['/gentle_turing']);
  });
  it('requests: method, path without the version prefix, status, latency, caller', () => {
    const r = requestRows(s.requests, 118);
    const exec = r.rows.find((x) => x.text.includes('/containers/web/exec'));
    expect(exec?.text).toMatch(/POST\s+\/containers\/web\/exec\s+201\s+4\.7ms\s+socket/);
    expect(shortPath('/v1.50/containers/json')).toBe('/containers/json');
    const missing = r.rows.find((x) => x.text.includes('/containers/nosuch/json'));
    expect(missing?.tone).toBe('warn');
    expect(requestRows(s.requests, 118, 'exec').rows.every((x) => x.text.includes('exec'))).toBe(true);
  });
  it("events: lifecycled's topics with container and detail; a disconnection stands out", () => {
    const r = eventRows(s.events, 118);
    expect(r.rows.find((x) => x.text.includes('/tasks/start'))?.text).toMatch(/\/tasks\/start\s+0537ef9544c9\s+pid=31315/);
    expect(r.rows.filter((x) => x.text.includes('/tasks/exit')).at(-1)?.text).toMatch(/1baab628c4dc\s+pid=31332 exit=137/);
    // stratad's own marker when lifecycled goes away (STRATA-API.md), as the feed receives it.
    const down = addEvents(s, [{ topic: '/strata/lifecycle-disconnected', error: 'connect ENOENT /run/strata/lifecycled.sock' }]).events!;
    const row = eventRows(down, 118).rows.at(-1);
    expect(row?.text).toContain('LIFECYCLED DOWN');
    expect(row?.text).toContain('connect ENOENT');
    expect(row?.tone).toBe('error');
  });
  it('shims: pid, parent (init, not stratad), init pid, RSS, uptime', () => {
    const r = shimRows(s.shims, 118, NOW);
    expect(r.rows[0]?.text).toMatch(/web\s+31313 init 1\s+31315\s+888K\s+1m/);
    expect(shimCaption(s.shims, 31290)).toBe('stratad is pid 31290; no shim is its child (they outlive it)');
    expect(parentOf({ ...s.shims[0]!, shimPpid: 31290 })).toBe('stratad 31290');
    expect(shimCaption([{ ...s.shims[0]!, shimPpid: 31290 }], 31290)).toContain('are its children');
  });
  it('cgroups: CPU% of one core, history sparkline, memory, pids, I/O; units labelled', () => {
    const r = cgroupRows(s, 118);
    const web = r.rows.find((x) => x.text.startsWith('web '));
    expect(web?.text).toMatch(/web\s+0\.1%/);
    expect(web?.text).toMatch(/420K\/64\.0M\s+▁▁▁\s+2\s+0B\/0B$/);
    expect(r.rows.map((x) => x.text.split(' ')[0])).toEqual(['web']); // the exited container has no cgroup row
    expect(s.history[s.shims[0]!.containerId]?.cpu).toEqual([0, 0.1, 0.1]);
    expect(cgroupCaption(s)).toBe('CPU% of one core (100% = 1 core, 2 online); memory cgroup v1 usage/limit, K/M/G = KiB/MiB/GiB');
  });
  it('trace: spans in tree order across the layers, bars on one time axis', () => {
    const t = recorded.trace();
    const tree = spanTree(t.spans);
    expect(tree).toHaveLength(t.spans.length);
    expect(tree[0]?.span.name).toBe('run');
    // pivot_root sits under the shim, under lifecycled, under stratad: one trace down the chain.
    const byId = new Map(t.spans.map((x) => [x.spanId, x]));
    const pivot = t.spans.find((x) => x.name === 'pivot_root')!;
    const chain: string[] = [];
    for (let cur = byId.get(pivot.parentId ?? ''); cur; cur = byId.get(cur.parentId ?? '')) chain.push(cur.layer);
    for (const l of ['strata-runtime', 'strata-shim', 'strata-lifecycled', 'stratad']) expect(chain).toContain(l);
    const at = tree.findIndex((x) => x.span === pivot);
    expect(tree[at]!.depth).toBeGreaterThan(tree.find((x) => x.span.name === 'Tasks.Create' && x.span.layer === 'strata-lifecycled')!.depth);
    const r = traceRows(t, 118);
    expect(r.rows.find((x) => x.text.includes('pivot_root'))?.text).toMatch(/^runtime\s+\s+pivot_root/);
    const t0 = Math.min(...t.spans.map((x) => x.start));
    const end = Math.max(...t.spans.map((x) => x.start + x.durationMs));
    expect(traceSummary(t)).toBe(`run 025fea28: ${millis(end - t0)} across client → stratad → lifecycled → shim → runtime`);
    expect(bar(0, 50, 0, 100, 10)).toBe('█████     ');
    expect(bar(90, 1, 0, 100, 10)).toBe('         █');
  });
  it('feed states read as words', () => {
    expect(feedStatus({ status: 'live', since: 0 }).text).toBe('live');
    expect(feedStatus({ status: 'unsupported', since: 0 }).text).toBe('needs strata');
    expect(feedStatus({ status: 'down', since: 1000, error: 'x' }, 4000).text).toBe('down 3s, reconnecting');
  });
});

describe('run form', () => {
  it('splits a command like a shell and maps docker run options', () => {
    expect(splitWords('sh -c "while true; do sleep 1; done"')).toEqual(['sh', '-c', 'while true; do sleep 1; done']);
    expect(splitWords("echo '' x")).toEqual(['echo', '', 'x']);
    expect(() => splitWords('echo "x')).toThrow(/unclosed/);
    const fields = runFormFields().map((f) => (f.key === 'options' ? { ...f, value: '-m 64m --cpus 0.5 --pids-limit 20 -e A=1 -p 8080:80' } : f.key === 'name' ? { ...f, value: 'web' } : f));
    const spec = runSpec(fields);
    expect(spec.name).toBe('web');
    expect(spec.body.Image).toBe('busybox');
    expect(spec.body.HostConfig).toMatchObject({ Memory: 64 * 1024 * 1024, NanoCpus: 5e8, PidsLimit: 20, PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] } });
    expect(spec.body.Env).toEqual(['A=1']);
    expect(() => runSpec(fields.map((f) => (f.key === 'options' ? { ...f, value: '--frobnicate' } : f)))).toThrow(/unknown option --frobnicate/);
    expect(() => runSpec(fields.map((f) => (f.key === 'image' ? { ...f, value: ' ' } : f)))).toThrow(/image is required/);
  });
});

describe('what reaches the screen', () => {
  it('a stats sample of a container off screen leaves the frame as it was; a visible change does not', () => {
    const s = recordedState(120, 40);
    const key = frameKey(s, NOW);
    const web = s.shims[0]!.containerId;
    // The cgroups pane is not on screen (requests is): a new CPU% for web shows only in the containers row.
    const same = { ...s, history: { ...s.history, [web]: { cpu: [...s.history[web]!.cpu, 12.5], memory: [...s.history[web]!.memory, 1048576] } } };
    expect(frameKey(same, NOW)).toBe(key);
    const changed = { ...s, stats: { ...s.stats, [web]: { ...s.stats[web]!, cpuPercent: 55 } } };
    expect(frameKey(changed, NOW)).not.toBe(key);
  });
});

describe('reducers', () => {
  it('a replayed request ring is kept once; markers stay in order', () => {
    let s = recordedState();
    const n = s.requests.length;
    s = { ...s, ...addRequests(s, recorded.requests()) };
    expect(s.requests).toHaveLength(n);
    s = { ...s, ...addMarker(s, 'stratad went away') };
    expect(s.requests.at(-1)).toMatchObject({ kind: 'marker', text: 'stratad went away' });
  });
  it('history keeps the last 60 samples per container', () => {
    let s = recordedState();
    const x = recorded.stats()[0]!;
    for (let i = 0; i < 70; i++) s = { ...s, ...addStats(s, [{ ...x, cpuPercent: i }]) };
    expect(s.history[x.containerId]?.cpu).toHaveLength(60);
    expect(s.history[x.containerId]?.cpu.at(-1)).toBe(69);
  });
});

describe('tour', () => {
  it('walks every layer down the chain, each step fitting the width', () => {
    const titles = TOUR.map((t) => t.title).join(' | ');
    for (const l of ['stratad', 'strata-lifecycled', 'strata-shim', 'strata-runtime']) expect(titles).toContain(l);
    for (let i = 0; i < TOUR.length; i++) for (const l of tourLines(i, 78)) expect([...l].length).toBeLessThanOrEqual(78);
    expect(tourLines(0, 118)[0]).toBe(`Tour 1/${TOUR.length}: strata CLI → stratad`);
  });
});
