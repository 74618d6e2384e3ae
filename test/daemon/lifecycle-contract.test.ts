// stratad over lifecycled's contract only, driven by the real docker CLI:
// pause/unpause (Tasks.Pause/Resume: the processes really are frozen),
// `docker update` (Tasks.Update: the cgroup files change, and stay changed
// across a restart), `-u name` / `-u uid:gid` (Images.ResolveUser), `docker
// tag` and `docker save | docker load` (Images.Tag, Content.Read), image IDs
// that agree between `images`, `inspect` and `ps -f ancestor=`, and the
// regression of `stty size` through a pty (run -it and exec -it).
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

import { runCommand, until } from '../helpers/engine.ts';
import { cgroupFile } from '../helpers/leaks.ts';
import { stratadSuite, type Stratad } from '../helpers/stratad.ts';

let d: Stratad;
stratadSuite((s) => (d = s));

const fmt = (ref: string, f: string) => d.dockerOk(['inspect', '-f', f, ref]);

/** The container's cgroup (stratad's parent /strata, lifecycled's id = the first 32 hex of the Docker id). */
async function cgroupOf(name: string): Promise<string> {
  return `/strata/${(await fmt(name, '{{.Id}}')).slice(0, 32)}`;
}

function cgroupValue(cgroup: string, file: string): string {
  const path = cgroupFile(cgroup, file);
  if (!path) throw new Error(`no ${file} for ${cgroup}`);
  return readFileSync(path, 'utf8').trim();
}

function procState(pid: number): string {
  return /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '?';
}

describe('docker pause / unpause', () => {
  it('freezes the container\'s processes and thaws them again', async () => {
    const name = 'lcc-pause';
    await d.dockerOk(['run', '-d', '--name', name, 'busybox', 'sh', '-c', 'sleep 1000 & wait']);
    try {
      const pid = Number(await fmt(name, '{{.State.Pid}}'));
      const cgroup = await cgroupOf(name);
      await d.dockerOk(['pause', name]);
      expect(await fmt(name, '{{.State.Status}} {{.State.Paused}} {{.State.Running}}')).toBe('paused true true');
      expect(await d.dockerOk(['ps', '--format', '{{.Status}}', '-f', `name=${name}`])).toMatch(/\(Paused\)$/);
      const freezer = cgroupFile(cgroup, 'freezer.state');
      if (freezer) expect(readFileSync(freezer, 'utf8').trim()).toBe('FROZEN');
      await until(() => procState(pid) === 'D', 5000, 'the frozen init in state D');
      expect(await d.dockerOk(['top', name])).toMatch(/sleep 1000/); // top and stats still see a paused container
      expect((await d.docker(['exec', name, 'true'])).code).not.toBe(0);

      const again = await d.docker(['pause', name]);
      expect(again.code).not.toBe(0);
      expect(again.stderr).toMatch(/already paused/);

      await d.dockerOk(['unpause', name]);
      expect(await fmt(name, '{{.State.Status}} {{.State.Paused}}')).toBe('running false');
      if (freezer) expect(readFileSync(freezer, 'utf8').trim()).toBe('THAWED');
      await until(() => procState(pid) === 'S', 5000, 'the thawed init sleeping');
      expect(await d.dockerOk(['exec', name, 'echo', 'alive'])).toBe('alive');

      // docker stop of a paused container thaws it so the signal lands.
      await d.dockerOk(['pause', name]);
      await d.dockerOk(['stop', '-t', '1', name]);
      expect(await fmt(name, '{{.State.Status}}')).toBe('exited');
    } finally {
      await d.docker(['rm', '-f', name]);
    }
  });

  it('a paused container is still paused after stratad restarts; rm -f ends it', async () => {
    const name = 'lcc-pause-restart';
    await d.dockerOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
    try {
      await d.dockerOk(['pause', name]);
      await d.restart();
      expect(await fmt(name, '{{.State.Status}}')).toBe('paused');
    } finally {
      await d.dockerOk(['rm', '-f', name]);
    }
    expect((await d.docker(['inspect', name])).code).not.toBe(0);
  });
});

describe('docker update', () => {
  it('--memory, --cpus and --pids-limit reach the container\'s cgroup and survive a restart', async () => {
    const name = 'lcc-update';
    await d.dockerOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
    try {
      await d.dockerOk(['update', '--memory', '64m', '--cpus', '0.5', '--pids-limit', '50', name]);
      let cgroup = await cgroupOf(name);
      expect(cgroupValue(cgroup, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
      expect(cgroupValue(cgroup, 'cpu.cfs_quota_us')).toBe('50000');
      expect(cgroupValue(cgroup, 'cpu.cfs_period_us')).toBe('100000');
      expect(cgroupValue(cgroup, 'pids.max')).toBe('50');
      expect(await fmt(name, '{{.HostConfig.Memory}} {{.HostConfig.NanoCpus}} {{.HostConfig.PidsLimit}}')).toBe(`${64 * 1024 * 1024} 500000000 50`);

      await d.dockerOk(['update', '--pids-limit', '-1', name]);
      expect(cgroupValue(cgroup, 'pids.max')).toBe('max');
      await d.dockerOk(['update', '--memory', '128m', '--memory-swap', '256m', name]);
      expect(cgroupValue(cgroup, 'memory.limit_in_bytes')).toBe(String(128 * 1024 * 1024));
      if (cgroupFile(cgroup, 'memory.memsw.limit_in_bytes')) expect(cgroupValue(cgroup, 'memory.memsw.limit_in_bytes')).toBe(String(256 * 1024 * 1024));
      await d.dockerOk(['update', '--memory', '64m', '--memory-swap', '128m', name]);

      // The kernel refuses a CFS quota under 1 ms: the error names the layers, and nothing changes.
      const refused = await d.http('POST', `/containers/${name}/update`, JSON.stringify({ CpuQuota: 1 }));
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect(JSON.parse(refused.body).message).toMatch(/runtime/);
      expect(await fmt(name, '{{.HostConfig.CpuQuota}}')).toBe('0');
      expect(cgroupValue(cgroup, 'cpu.cfs_quota_us')).toBe('50000');

      await d.dockerOk(['restart', '-t', '0', name]);
      cgroup = await cgroupOf(name);
      expect(cgroupValue(cgroup, 'memory.limit_in_bytes')).toBe(String(64 * 1024 * 1024));
      expect(cgroupValue(cgroup, 'cpu.cfs_quota_us')).toBe('50000');
    } finally {
      await d.docker(['rm', '-f', name]);
    }
  });
});

describe('docker run -u', () => {
  it('-u nobody takes the ids from the image\'s /etc/passwd', async () => {
    expect(await d.dockerOk(['run', '--rm', '-u', 'nobody', 'busybox', 'id'])).toMatch(/^uid=65534\(nobody\) gid=65534\(nogroup\)/);
    expect(await fmt('busybox', '{{.Config.User}}')).toBe(''); // the image's own user is root
  });

  it('-u 1000:1000 passes numeric ids through', async () => {
    expect(await d.dockerOk(['run', '--rm', '-u', '1000:1000', 'busybox', 'id'])).toMatch(/^uid=1000 gid=1000\b/);
  });

  it('-u name:group resolves both', async () => {
    expect(await d.dockerOk(['run', '--rm', '-u', 'nobody:tty', 'busybox', 'sh', '-c', 'id -u; id -g'])).toBe('65534\n5');
  });

  it('an unknown user is a 400 naming the user and the image, and creates nothing', async () => {
    const before = await d.dockerOk(['ps', '-aq']);
    const r = await d.docker(['run', '--rm', '-u', 'ghost', 'busybox', 'true']);
    expect(r.code).toBe(125);
    expect(r.stderr).toMatch(/unable to find user ghost: no matching entries in passwd file of image busybox:latest/);
    const http = await d.http('POST', '/containers/create', JSON.stringify({ Image: 'busybox', User: 'ghost', Cmd: ['true'] }));
    expect(http.status).toBe(400);
    expect(await d.dockerOk(['ps', '-aq'])).toBe(before);
  });
});

describe('docker tag, save and load', () => {
  it('tag is the same image under a new name; an unknown source is a 404', async () => {
    await d.dockerOk(['tag', 'busybox', 'lcc/box:v1']);
    try {
      const ids = (await d.dockerOk(['images', '--format', '{{.Repository}}:{{.Tag}} {{.ID}}'])).split('\n');
      const id = (ref: string) => ids.find((l) => l.startsWith(`${ref} `))?.split(' ')[1];
      expect(id('lcc/box:v1')).toBeDefined();
      expect(id('lcc/box:v1')).toBe(id('busybox:latest'));
      const missing = await d.docker(['tag', 'ghost:latest', 'lcc/ghost:v1']);
      expect(missing.code).not.toBe(0);
      expect(missing.stderr).toMatch(/No such image: ghost:latest/);
    } finally {
      await d.docker(['rmi', 'lcc/box:v1']);
    }
  });

  it('save | load round-trips an image under its tag', async () => {
    const file = join(d.engine.dir, 'lcc-save.tar');
    await d.dockerOk(['tag', 'busybox', 'lcc/round:trip']);
    try {
      const id = await fmt('lcc/round:trip', '{{.Id}}');
      await d.dockerOk(['save', '-o', file, 'lcc/round:trip']);
      await d.dockerOk(['rmi', 'lcc/round:trip']);
      expect((await d.docker(['inspect', 'lcc/round:trip'])).code).not.toBe(0);
      const loaded = await d.dockerOk(['load', '-i', file]);
      expect(loaded).toMatch(/Loaded image: lcc\/round:trip/);
      expect(await fmt('lcc/round:trip', '{{.Id}}')).toBe(id);
      expect(await d.dockerOk(['run', '--rm', 'lcc/round:trip', 'echo', 'from the loaded image'])).toBe('from the loaded image');
    } finally {
      rmSync(file, { force: true });
      await d.docker(['rmi', 'lcc/round:trip']);
    }
  });
});

describe('image IDs', () => {
  it('images -q, inspect {{.Image}} and ps -f ancestor= agree on the config digest', async () => {
    const name = 'lcc-ids';
    await d.dockerOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
    try {
      const short = await d.dockerOk(['images', '-q', 'busybox']);
      const full = await fmt(name, '{{.Image}}');
      expect(full).toMatch(/^sha256:[0-9a-f]{64}$/);
      expect(full.slice(7, 19)).toBe(short);
      expect(await fmt('busybox', '{{.Id}}')).toBe(full);
      const cid = (await fmt(name, '{{.Id}}')).slice(0, 12);
      expect(await d.dockerOk(['ps', '--no-trunc', '--format', '{{.Image}}', '-f', `name=${name}`])).toBe('busybox');
      for (const ancestor of [short, full, 'busybox']) {
        expect((await d.dockerOk(['ps', '--format', '{{.ID}}', '-f', `ancestor=${ancestor}`])).split('\n')).toContain(cid);
      }
      const listed = JSON.parse((await d.http('GET', '/containers/json?all=1')).body) as { Id: string; ImageID: string }[];
      expect(listed.find((c) => c.Id.startsWith(cid))?.ImageID).toBe(full);
    } finally {
      await d.docker(['rm', '-f', name]);
    }
  });
});

describe('stty size through a pty (regression: "stty: standard input: No child processes")', () => {
  // busybox's stty treats a terminal of 0 rows as an error and prints whatever
  // errno was left over ("No child processes" after a wait in its shell).  The
  // pty must have the client's size before the process first looks at it:
  // docker run sends ConsoleSize with the create (the shim sizes the pty
  // between runtime create and start); an exec's size went in a resize after
  // the start, racing the process, so stratad now puts it in the exec's
  // process.consoleSize, which the runtime applies before the exec.
  const env = () => ({ ...process.env, DOCKER_HOST: d.host, DOCKER_CONFIG: join(d.engine.dir, 'docker-config') });
  const inPty = (rows: number, cols: number, cmd: string) =>
    runCommand('script', ['-qec', `stty rows ${rows} cols ${cols}; ${cmd}; echo "rc=$?"`, '/dev/null'], { env: env(), timeoutMs: 30_000 });
  // `script` sends a NUL to the child terminal when its own stdin ends; the container's pty echoes it as ^@.
  const clean = (out: string) => out.replace(/\^@/g, '');

  it('docker run -it --rm busybox stty size sees the client terminal\'s size', async () => {
    const r = await inPty(33, 111, 'docker run -it --rm busybox stty size');
    expect(clean(r.stdout)).toMatch(/^33 111\r\n/);
    expect(r.stdout).toMatch(/rc=0/);
  });

  it('docker exec -it CTR stty size sees it too, every time', async () => {
    const name = 'lcc-stty';
    await d.dockerOk(['run', '-d', '--name', name, 'busybox', 'sleep', '1000']);
    try {
      for (const [rows, cols] of [[33, 111], [24, 80], [50, 132]] as const) {
        const r = await inPty(rows, cols, `docker exec -it ${name} stty size`);
        expect(clean(r.stdout), `exec in a ${rows}x${cols} terminal`).toMatch(new RegExp(`^${rows} ${cols}\r\n`));
      }
    } finally {
      await d.docker(['rm', '-f', name]);
    }
  });
});
