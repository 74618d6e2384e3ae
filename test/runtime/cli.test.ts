// The command-line surface callers rely on (containerd's go-runc, dockerd,
// conmon): --version, features, spec, list, ps, kill's signal forms,
// pause/resume, update, exec's console rule and --log json.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { cgroupFile } from '../helpers/leaks.ts';
import { RUNTIMES, runProgram, runtimeSuite, type Suite } from '../helpers/runtime.ts';

async function startSleeper(s: Suite, label: string, pidsLimit?: number): Promise<{ id: string; pid: number }> {
  const id = s.id(label);
  const b = s.bundle(id, { args: ['sleep', '1000'] }, (spec) => {
    if (pidsLimit !== undefined) spec.linux.resources = { ...spec.linux.resources, pids: { limit: pidsLimit } };
  });
  const c = await s.rt.create(id, b.dir);
  expect(c.code, c.stderr).toBe(0);
  const st = await s.rt.start(id);
  expect(st.code, st.stderr).toBe(0);
  return { id, pid: (await s.rt.waitStatus(id, 'running')).pid };
}

describe.each(RUNTIMES)('$name: command line', (under) => {
  const s = runtimeSuite(under);

  describe('information', () => {
    it('--version names the runtime and the spec version', async () => {
      const r = await runProgram(under.bin, ['--version']);
      expect(r.code, r.stderr).toBe(0);
      const lines = r.stdout.split('\n');
      expect(lines[0]).toMatch(new RegExp(`^${under.name} version \\S+`));
      expect(lines.some((l) => /^spec: \d+\.\d+\.\d+/.test(l))).toBe(true);
    });

    it('features prints JSON with the linux namespaces', async () => {
      const r = await runProgram(under.bin, ['features']);
      expect(r.code, r.stderr).toBe(0);
      const f = JSON.parse(r.stdout) as { ociVersionMin?: string; linux?: { namespaces?: string[] } };
      expect(f.ociVersionMin).toMatch(/^1\./);
      expect(f.linux?.namespaces).toEqual(expect.arrayContaining(['cgroup', 'ipc', 'mount', 'network', 'pid', 'user', 'uts']));
    });

    it('spec writes a config.json into an empty bundle dir', async () => {
      const dir = mkdtempSync(join(s.dir, 'spec-'));
      const r = await s.rt.cmd(['spec', '--bundle', dir]);
      expect(r.code, r.stderr).toBe(0);
      expect(existsSync(join(dir, 'config.json'))).toBe(true);
      const spec = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
      expect(spec.ociVersion).toMatch(/^1\./);
      expect(Array.isArray(spec.process.args)).toBe(true);
      expect(typeof spec.root.path).toBe('string');
      expect(spec.linux.namespaces.map((n: { type: string }) => n.type)).toEqual(expect.arrayContaining(['pid', 'mount']));
    });
  });

  describe('inspection', () => {
    it('list --format json shows the created containers', async () => {
      const ids = [s.id('list'), s.id('list')];
      const pids: number[] = [];
      for (const id of ids) {
        const c = await s.rt.create(id, s.bundle(id, { args: ['true'] }).dir);
        expect(c.code, c.stderr).toBe(0);
        pids.push((await s.rt.stateJson(id)).pid);
      }
      const r = await s.rt.list();
      expect(r.code, r.stderr).toBe(0);
      const list = JSON.parse(r.stdout) as { id: string; pid: number; status: string }[];
      for (const [i, id] of ids.entries()) {
        expect(list.find((c) => c.id === id)).toMatchObject({ id, status: 'created', pid: pids[i] });
      }
    });

    it('ps --format json lists the init host pid', async () => {
      const c = await startSleeper(s, 'ps');
      const r = await s.rt.ps(c.id);
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toContain(c.pid);
    });
  });

  describe('control', () => {
    it.each(['KILL', '9', 'SIGKILL'])('kill ID %s stops the container', async (signal) => {
      const c = await startSleeper(s, 'kill');
      const r = await s.rt.kill(c.id, signal);
      expect(r.code, r.stderr).toBe(0);
      const st = await s.rt.waitStatus(c.id, 'stopped');
      expect(st.pid).toBe(0);
    });

    it('pause and resume change the status and the freezer', async () => {
      const c = await startSleeper(s, 'pause');
      const freezer = cgroupFile(s.cgroupsPath(c.id), 'freezer.state');
      expect(freezer).toBeDefined();
      const p = await s.rt.pause(c.id);
      expect(p.code, p.stderr).toBe(0);
      expect((await s.rt.stateJson(c.id)).status).toBe('paused');
      expect(readFileSync(freezer as string, 'utf8').trim()).toBe('FROZEN');
      const r = await s.rt.resume(c.id);
      expect(r.code, r.stderr).toBe(0);
      expect((await s.rt.stateJson(c.id)).status).toBe('running');
      expect(readFileSync(freezer as string, 'utf8').trim()).toBe('THAWED');
    });

    it('update --pids-limit changes pids.max in the container cgroup', async () => {
      const c = await startSleeper(s, 'update', 20);
      const pidsMax = cgroupFile(s.cgroupsPath(c.id), 'pids.max');
      expect(pidsMax).toBeDefined();
      expect(readFileSync(pidsMax as string, 'utf8').trim()).toBe('20');
      const r = await s.rt.update(c.id, ['--pids-limit', '5']);
      expect(r.code, r.stderr).toBe(0);
      expect(readFileSync(pidsMax as string, 'utf8').trim()).toBe('5');
    });

    it('exec --tty --detach without a console socket is refused', async () => {
      const c = await startSleeper(s, 'exectty');
      const r = await s.rt.exec(c.id, ['true'], { tty: true, detach: true });
      expect(r.code).not.toBe(0);
      expect(r.stderr).toMatch(/console[- ]socket/);
      // Control: the same exec without a tty works.
      const ok = await s.rt.exec(c.id, ['sh', '-c', 'echo ok']);
      expect(ok.code, ok.stderr).toBe(0);
      expect(ok.stdout.trim()).toBe('ok');
    });
  });

  describe('logging', () => {
    it('--log FILE --log-format json writes an error line on failure', async () => {
      const log = join(s.dir, 'log.json');
      const rt = s.rt.withGlobalArgs(['--log', log, '--log-format', 'json']);
      const r = await rt.state(s.id('nolog'));
      expect(r.code).not.toBe(0);
      const lines = readFileSync(log, 'utf8').split('\n').filter((l) => l.trim());
      const entries = lines.map((l) => JSON.parse(l) as { level?: string; msg?: string; time?: string });
      const errors = entries.filter((e) => e.level === 'error');
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.at(-1)?.msg).toMatch(/does not exist/);
    });
  });
});
