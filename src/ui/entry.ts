// How the CLI loads the workbench. The build bundles it with Ink and React
// into one file, dist/ui.mjs, because Node 20 takes ~4x longer to resolve
// and link Ink's ~100 small ES modules than to parse one bundle (first frame
// under 500 ms). Run from the sources (tsx), the modules load as they are.
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import type { Command } from '../cli/context.ts';

export async function loadUi(): Promise<Command> {
  // Ink 6 draws nothing until exit when CI or CONTINUOUS_INTEGRATION is set
  // (is-in-ci, read once as Ink loads). The workbench runs only on a tty,
  // where that guess is wrong: hide them while Ink loads, then put them back
  // for the processes we start.
  const saved = { CI: process.env.CI, CONTINUOUS_INTEGRATION: process.env.CONTINUOUS_INTEGRATION };
  delete process.env.CI;
  delete process.env.CONTINUOUS_INTEGRATION;
  try {
    return await importUi();
  } finally {
    for (const [k, v] of Object.entries(saved)) if (v !== undefined) process.env[k] = v;
  }
}

async function importUi(): Promise<Command> {
  // From dist/strata.mjs or dist/chunks/*.mjs, the bundle sits in dist/.
  for (const rel of ['./ui.mjs', '../ui.mjs']) {
    const url = new URL(rel, import.meta.url);
    if (url.pathname.includes('/dist/') && existsSync(fileURLToPath(url))) {
      const m = (await import(url.href)) as { command: Command };
      return m.command;
    }
  }
  return (await import('./main.ts')).command;
}
