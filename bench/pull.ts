// `npm run bench -- pull`: `docker pull` of a 5-layer, ~200 MB image from a
// local registry (Debian's docker-registry on 127.0.0.1) through stratad.
// The image is built here: five layers of random data (40 MB each, gzip'd at
// level 1 so the unpacker really gunzips), uploaded to the registry over HTTP.
// Each run removes the image first, so every run downloads, verifies and
// unpacks all five layers.  The same pulls through a private dockerd when
// Debian's docker.io is installed (BENCH_INSTALL_DOCKER=1 installs it), as a
// ratio; otherwise the dockerd side is reported as absent.
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import { constants, gzipSync } from 'node:zlib';

import { startRegistry } from '../test/registry/registry-server.ts';
import { layerTar, putBlob, putManifest, sha256 } from '../test/registry/upload.ts';
import { DOCKER_CLI, docker, setDockerConfig, type BenchDaemon } from './engine-cli.ts';
import { ensureDockerd, startDockerd } from './engine-dockerd.ts';
import { startStratad } from './engine-stratad.ts';
import { median, writeReport, type Row } from './report.ts';

const LAYERS = 5;
const LAYER_BYTES = 40 << 20;
const RUNS = 3;

/** RUNS pulls of ref through d, the image removed after each: milliseconds. */
function pulls(d: BenchDaemon, ref: string): number[] {
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const t0 = performance.now();
    docker(d, ['pull', '-q', ref], 300_000);
    times.push(performance.now() - t0);
    docker(d, ['rmi', ref]);
  }
  return times;
}

export async function benchPull(): Promise<void> {
  const work = mkdtempSync('/tmp/sbpull-');
  setDockerConfig(join(work, 'docker-config'));
  const reg = await startRegistry();
  let d: BenchDaemon | undefined;
  const notes: string[] = [];
  const rows: Row[] = [];
  const raw: Record<string, unknown> = { layers: LAYERS, layerBytes: LAYER_BYTES, runs: RUNS };
  try {
    // The image, straight into the registry.
    const tars: Buffer[] = [];
    const layers = [];
    let compressed = 0;
    for (let i = 0; i < LAYERS; i++) {
      const tar = await layerTar({ [`data-${i}.bin`]: randomBytes(LAYER_BYTES) });
      tars.push(tar);
      const gz = gzipSync(tar, { level: constants.Z_BEST_SPEED });
      compressed += gz.length;
      layers.push(await putBlob(reg.host, 'bench/big', gz, 'application/vnd.oci.image.layer.v1.tar+gzip'));
    }
    const config = { architecture: process.arch === 'x64' ? 'amd64' : process.arch, os: 'linux', config: {}, rootfs: { type: 'layers', diff_ids: tars.map(sha256) } };
    const cfg = await putBlob(reg.host, 'bench/big', Buffer.from(JSON.stringify(config)), 'application/vnd.oci.image.config.v1+json');
    await putManifest(reg.host, 'bench/big', 'latest', { schemaVersion: 2, mediaType: 'application/vnd.oci.image.manifest.v1+json', config: cfg, layers }, 'application/vnd.oci.image.manifest.v1+json');
    tars.length = 0;
    raw.compressedBytes = compressed;

    d = await startStratad();
    notes.push(`${d.name}: ${d.version}`);
    const ref = `${reg.host}/bench/big:latest`;
    const times = pulls(d, ref);
    raw.pullMs = times;
    // One more pull, timing its phases from the progress lines as the CLI prints them.
    const phases = await timedPhases(d.host, ref, { ...process.env, DOCKER_CONFIG: join(work, 'docker-config') });
    docker(d, ['rmi', ref]);
    raw.phases = phases;
    notes.push(...(await d.stop()).map((l) => `stratad leftovers removed: ${l}`));
    d = undefined;
    // dockerd beside it, when it is installed: the same image, the same registry.
    let theirs: number | undefined;
    const why = ensureDockerd(process.env.BENCH_INSTALL_DOCKER === '1');
    if (why) notes.push(`dockerd: ${why}; no ratio`);
    else {
      const dd = await startDockerd();
      try {
        notes.push(`${dd.name}: ${dd.version}`);
        const t = pulls(dd, ref);
        raw.dockerdPullMs = t;
        theirs = median(t);
      } finally {
        notes.push(...(await dd.stop()).map((l) => `dockerd leftovers removed: ${l}`));
      }
    }
    const ms = median(times);
    const mb = compressed / 1e6;
    rows.push({
      measure: `\`docker pull\` ${LAYERS} layers, ${mb.toFixed(0)} MB (gzip)`,
      'stratad s (median)': (ms / 1000).toFixed(2),
      'stratad MB/s': (mb / (ms / 1000)).toFixed(1),
      'dockerd s (median)': theirs !== undefined ? (theirs / 1000).toFixed(2) : 'absent',
      'stratad / dockerd': theirs !== undefined ? (ms / theirs).toFixed(2) : 'n/a',
      detail: `${RUNS} runs each, image removed after each; registry on 127.0.0.1; stratad: 3 layers at once`,
    });
    rows.push({
      measure: 'phases of one more pull (docker pull lines)',
      'stratad s (median)': `${(phases.totalMs / 1000).toFixed(2)} total`,
      'stratad MB/s': `${(mb / (phases.downloadMs / 1000)).toFixed(1)} download`,
      'dockerd s (median)': '-',
      'stratad / dockerd': '-',
      detail: `download + verify ${(phases.downloadMs / 1000).toFixed(2)} s, store + unpack ${(phases.storeMs / 1000).toFixed(2)} s`,
    });
    notes.push('Each pull: download with sha256 verification into the content store, an OCI layout handed to the image service (staged and ingested again), gunzip + tar extraction into snapshots.');
  } finally {
    const leftovers = d ? await d.stop() : [];
    await reg.stop();
    rmSync(work, { recursive: true, force: true });
    if (leftovers.length) notes.push(`leftovers removed after the run: ${leftovers.join('; ')}`);
  }
  console.log(writeReport('pull', 'Pull: a 5-layer image from a local registry through stratad', rows, notes, raw));
}

/** `docker pull` (plain output), timed: ms until the last "Download complete" line, then until it exits. */
function timedPhases(host: string, ref: string, env: NodeJS.ProcessEnv): Promise<{ totalMs: number; downloadMs: number; storeMs: number }> {
  return new Promise((resolve, reject) => {
    const t0 = performance.now();
    let lastDownload = t0;
    const p = spawn(DOCKER_CLI, ['-H', host, 'pull', ref], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    p.stderr.setEncoding('utf8').on('data', (x: string) => (err += x));
    createInterface({ input: p.stdout }).on('line', (line) => {
      if (line.includes('Download complete')) lastDownload = performance.now();
    });
    p.once('error', reject);
    p.once('close', (code) => {
      const end = performance.now();
      if (code !== 0) reject(new Error(`docker pull ${ref}: exit ${code}: ${err}`));
      else resolve({ totalMs: end - t0, downloadMs: lastDownload - t0, storeMs: end - lastDownload });
    });
  });
}
