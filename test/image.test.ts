import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

import { makeBusyboxBundle, makeBusyboxTarball, templateLink } from './helpers/image.ts';

describe('busybox test image', () => {
  const dir = mkdtempSync(join(tmpdir(), 'strata-image-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a bundle whose rootfs runs sh and whose config.json is an OCI spec', () => {
    const bundle = makeBusyboxBundle(join(dir, 'b'), { args: ['echo', 'hi'] });
    expect(templateLink('bin/sh')).toBe('busybox');
    const out = execFileSync('chroot', [bundle.rootfs, '/bin/sh', '-c', 'echo $((6*7))'], { encoding: 'utf8' });
    expect(out.trim()).toBe('42');
    const config = JSON.parse(readFileSync(join(bundle.dir, 'config.json'), 'utf8'));
    expect(config.process.args).toEqual(['echo', 'hi']);
    expect(config.root.path).toBe('rootfs');
  });

  it('makes a tarball with relative paths', () => {
    const file = makeBusyboxTarball(join(dir, 'busybox.tar'));
    expect(existsSync(file)).toBe(true);
    const names = execFileSync('tar', ['-tf', file], { encoding: 'utf8' }).split('\n');
    expect(names).toContain('./bin/busybox');
    expect(names.every((n) => !n.startsWith('/'))).toBe(true);
  });
});
