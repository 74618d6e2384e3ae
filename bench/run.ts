// `npm run bench -- <name>`: runs one benchmark and writes its report under
// bench/results/.  Benchmarks compare strata with the real stack side by side
// in the same run and report ratios; they are never part of the test suite.
import { benchRuntime } from './runtime.ts';

const benches: Record<string, () => Promise<void>> = {
  runtime: benchRuntime,
  // Loaded on demand: it pulls in the engine's client and test helpers.
  lifecycle: async () => (await import('./lifecycle.ts')).benchLifecycle(),
  // Loaded on demand: it starts stratad and a private dockerd.
  engine: async () => (await import('./engine.ts')).benchEngine(),
  // Loaded on demand: it starts an isolated engine, 100 containers and the workbench in a pty.
  ui: async () => (await import('./ui.ts')).benchUi(),
  // Loaded on demand: it starts a private stratad with its own bridge.
  network: async () => (await import('./network.ts')).benchNetwork(),
  // Loaded on demand: it starts a private stratad and a local registry.
  pull: async () => (await import('./pull.ts')).benchPull(),
};

const name = process.argv[2];
const bench = name ? benches[name] : undefined;
if (!bench) {
  console.error(`usage: npm run bench -- <${Object.keys(benches).join('|')}>`);
  process.exit(2);
}
await bench();
