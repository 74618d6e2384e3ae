// --format templating, table alignment, and the human strings docker prints.
import { describe, expect, it } from 'vitest';

import { ellipsis, formatPorts, psRow, PS_DEFAULT, PS_HEADERS } from '../../src/cli/format/containers.ts';
import { humanDuration, humanSize, bytesSize } from '../../src/cli/format/human.ts';
import { alignColumns } from '../../src/cli/format/table.ts';
import { compile, renderRows, TemplateError } from '../../src/cli/format/template.ts';
import { parseTimeArg } from '../../src/cli/format/time.ts';
import type { ContainerSummary } from '../../src/client/types.ts';

const summary: ContainerSummary = {
  Id: 'a'.repeat(64),
  Names: ['/web'],
  Image: 'busybox',
  ImageID: 'sha256:' + 'b'.repeat(64),
  Command: "sh -c 'sleep 1000; echo done'",
  Created: Math.floor(Date.now() / 1000) - 300,
  Ports: [{ IP: '0.0.0.0', PrivatePort: 80, PublicPort: 8080, Type: 'tcp' }],
  Labels: { a: 'b' },
  State: 'running',
  Status: 'Up 5 minutes',
};

describe('templates', () => {
  it('renders fields, nested paths, json and functions', () => {
    const data = { ID: 'x', State: { Status: 'running' }, Args: ['a', 'b'], Labels: { k: 'v' } };
    expect(compile('{{.ID}} {{.State.Status}}').render(data)).toBe('x running');
    expect(compile('{{json .State}}').render(data)).toBe('{"Status":"running"}');
    expect(compile('{{upper .ID}}|{{join .Args ","}}|{{index .Labels "k"}}').render(data)).toBe('X|a,b|v');
    expect(compile('{{.Args}} {{.Missing}}').render(data)).toBe('[a b] <no value>');
    expect(() => compile('{{nope .ID}}').render(data)).toThrow(TemplateError);
    expect(() => compile('{{.ID')).toThrow(/unclosed/);
  });

  it('turns \\t into tabs and makes a table with headers', () => {
    const out = renderRows('table {{.ID}}\\t{{.Names}}', [{ ID: 'abc', Names: 'web' }, { ID: 'defghijklmnop', Names: 'db' }], PS_HEADERS);
    expect(out).toBe(['CONTAINER ID    NAMES', 'abc             web', 'defghijklmnop   db', ''].join('\n'));
    expect(renderRows('{{.ID}}', [{ ID: '1' }, { ID: '2' }], {})).toBe('1\n2\n');
  });

  it('aligns like tabwriter (min width 10, padding 3, last cell unpadded)', () => {
    expect(alignColumns(['A\tB\tC', 'long-value\tx\ty'])).toBe('A            B         C\nlong-value   x         y\n');
  });
});

describe('ps rows', () => {
  it('formats like docker ps', () => {
    const r = psRow(summary, { trunc: true });
    expect(r.ID).toBe('aaaaaaaaaaaa');
    expect(r.Names).toBe('web');
    expect(r.Command).toBe('"sh -c \'sleep 1000; …"');
    expect(r.RunningFor).toBe('5 minutes ago');
    expect(r.Ports).toBe('0.0.0.0:8080->80/tcp');
    expect(r.Labels).toBe('a=b');
    const table = renderRows(PS_DEFAULT, [r], PS_HEADERS);
    expect(table.split('\n')[0]).toMatch(/^CONTAINER ID\s+IMAGE\s+COMMAND\s+CREATED\s+STATUS\s+PORTS\s+NAMES$/);
    expect(psRow(summary, { trunc: false }).ID).toBe('a'.repeat(64));
  });

  it('human strings', () => {
    expect(ellipsis('abcdef', 4)).toBe('abc…');
    expect(formatPorts([{ PrivatePort: 53, Type: 'udp' }])).toBe('53/udp');
    expect(humanDuration(500)).toBe('Less than a second');
    expect(humanDuration(1000)).toBe('1 second');
    expect(humanDuration(90_000)).toBe('About a minute');
    expect(humanDuration(3 * 3_600_000)).toBe('3 hours');
    expect(humanDuration(3 * 86_400_000)).toBe('3 days');
    expect(humanSize(4_260_000)).toBe('4.26MB');
    expect(humanSize(0)).toBe('0B');
    expect(bytesSize(1536 * 1024)).toBe('1.5MiB');
  });

  it('parses --since/--until like docker', () => {
    const now = 1_700_000_000_000;
    expect(parseTimeArg('1700000000')).toBe('1700000000');
    expect(parseTimeArg('10m', now)).toBe(String(1_700_000_000 - 600));
    expect(parseTimeArg('1h30m', now)).toBe(String(1_700_000_000 - 5400));
    expect(parseTimeArg('2023-11-14T22:13:20Z')).toBe('1700000000');
    expect(() => parseTimeArg('yesterday')).toThrow(/invalid time/);
  });
});
