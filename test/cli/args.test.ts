// Flag parsing and the run/create body it builds.
import { describe, expect, it } from 'vitest';

import { parseArgs, parseBytes, UsageError } from '../../src/cli/args.ts';
import { parseCreate, parsePublish, parseRestart, splitReference } from '../../src/cli/container-config.ts';
import { splitCpArg } from '../../src/cli/commands/cp.ts';
import { runErrorCode } from '../../src/cli/commands/run.ts';
import { parseFilterFlags, encodeFilters } from '../../src/client/filters.ts';

describe('parseArgs', () => {
  const flags = [
    { name: 'all', short: 'a', kind: 'bool' as const },
    { name: 'quiet', short: 'q', kind: 'bool' as const },
    { name: 'filter', short: 'f', kind: 'list' as const },
    { name: 'format', kind: 'value' as const },
  ];

  it('takes long, short, clustered, = and interspersed flags', () => {
    const p = parseArgs(['x', '-aq', '--filter', 'status=exited', '-fname=web', '--format={{.ID}}', 'y'], flags);
    expect([...p.bools].sort()).toEqual(['all', 'quiet']);
    expect(p.lists.get('filter')).toEqual(['status=exited', 'name=web']);
    expect(p.values.get('format')).toBe('{{.ID}}');
    expect(p.positionals).toEqual(['x', 'y']);
  });

  it('--flag=false records an explicit false; -- ends flags', () => {
    const p = parseArgs(['--all=false', '--', '-q'], flags);
    expect(p.bools.has('all')).toBe(false);
    expect(p.falses.has('all')).toBe(true);
    expect(p.positionals).toEqual(['-q']);
  });

  it('refuses unknown flags and missing values', () => {
    expect(() => parseArgs(['--nope'], flags)).toThrow(UsageError);
    expect(() => parseArgs(['-z'], flags)).toThrow(/unknown shorthand flag: 'z'/);
    expect(() => parseArgs(['--format'], flags)).toThrow(/needs an argument/);
  });

  it('stops at the command for run-like verbs', () => {
    const p = parseArgs(['-a', 'busybox', 'ls', '-a', '--format', 'x'], flags, { stopAfter: 1 });
    expect(p.positionals).toEqual(['busybox', 'ls', '-a', '--format', 'x']);
    const g = parseArgs(['-q', 'ps', '-a'], flags, { stopAfter: 0 });
    expect(g.bools.has('quiet')).toBe(true);
    expect(g.positionals).toEqual(['ps', '-a']);
  });

  it('sizes', () => {
    expect(parseBytes('64m')).toBe(64 * 1024 * 1024);
    expect(parseBytes('1g')).toBe(1024 ** 3);
    expect(parseBytes('512')).toBe(512);
    expect(() => parseBytes('lots')).toThrow(UsageError);
  });
});

describe('run/create body', () => {
  it('matches what docker run sends', () => {
    const r = parseCreate(['--name', 't1', '-e', 'A=1', '-w', '/tmp', '-u', '1000', '-p', '8080:80', '-v', '/tmp:/data', '-m', '64m', '--cpus', '1.5', '--pids-limit', '50', '--network', 'bridge', '--entrypoint', '/bin/sh', '--restart', 'on-failure:3', 'busybox', '-c', 'echo hi']);
    expect(r.name).toBe('t1');
    expect(r.image).toBe('busybox');
    const b = r.body;
    expect(b).toMatchObject({ User: '1000', Env: ['A=1'], WorkingDir: '/tmp', Entrypoint: ['/bin/sh'], Cmd: ['-c', 'echo hi'], Image: 'busybox', Tty: false, OpenStdin: false, AttachStdout: true, ExposedPorts: { '80/tcp': {} } });
    expect(b.HostConfig).toMatchObject({ Binds: ['/tmp:/data'], NetworkMode: 'bridge', PortBindings: { '80/tcp': [{ HostIp: '', HostPort: '8080' }] }, RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 }, Memory: 67108864, NanoCpus: 1500000000, PidsLimit: 50, AutoRemove: false });
  });

  it('-it, -d and --rm set the attach flags like docker', () => {
    const it_ = parseCreate(['-it', '--rm', 'busybox'], [40, 120]).body;
    expect(it_).toMatchObject({ AttachStdin: true, OpenStdin: true, StdinOnce: true, Tty: true, Cmd: null });
    expect(it_.HostConfig).toMatchObject({ AutoRemove: true, ConsoleSize: [40, 120], NetworkMode: 'default' });
    const d = parseCreate(['-d', 'busybox', 'sleep', '10']).body;
    expect(d).toMatchObject({ AttachStdin: false, AttachStdout: false, AttachStderr: false, Cmd: ['sleep', '10'] });
    expect(() => parseCreate([])).toThrow(UsageError);
  });

  it('restart policies, ports, references', () => {
    expect(parseRestart('always')).toEqual({ Name: 'always', MaximumRetryCount: 0 });
    expect(() => parseRestart('always:3')).toThrow(UsageError);
    expect(() => parseRestart('sometimes')).toThrow(UsageError);
    expect(parsePublish(['127.0.0.1:53:53/udp']).bindings).toEqual({ '53/udp': [{ HostIp: '127.0.0.1', HostPort: '53' }] });
    expect(() => parsePublish(['x:y'])).toThrow(UsageError);
    expect(splitReference('busybox')).toEqual({ image: 'busybox', tag: 'latest' });
    expect(splitReference('localhost:5000/foo:1')).toEqual({ image: 'localhost:5000/foo', tag: '1' });
  });

  it('cp arguments, filters, run exit codes', () => {
    expect(splitCpArg('web:/etc/hosts')).toEqual({ container: 'web', path: '/etc/hosts' });
    expect(splitCpArg('./a:b')).toEqual({ path: './a:b' });
    expect(splitCpArg('/tmp/x')).toEqual({ path: '/tmp/x' });
    expect(encodeFilters(parseFilterFlags(['status=exited', 'name=a', 'name=b']))).toEqual({ status: { exited: true }, name: { a: true, b: true } });
    expect(() => parseFilterFlags(['bad'])).toThrow(/name=value/);
    expect(runErrorCode('exec: "nope": executable file not found in $PATH')).toBe(127);
    expect(runErrorCode('permission denied')).toBe(126);
    expect(runErrorCode('No such image: x')).toBe(125);
  });
});
