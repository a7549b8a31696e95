/**
 * The bench runs the server as shipped: compiled, in its own process (test/support/server-process.ts
 * starts it), so that the load process never shares an event loop with what it measures.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { REPO, type ServerEntry } from '../test/support/server-process.js';

export { startServerProcess as startServer, type ServerEntry, type ServerProcess } from '../test/support/server-process.js';

/** Compiles src/ the way `npm run build` does, into `outDir`, and returns the CLI's entry. */
export function buildServer(outDir: string): ServerEntry {
  rmSync(outDir, { recursive: true, force: true });
  // Type errors (say, another area's work in progress) do not stop tsc from emitting JavaScript.
  spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: REPO, stdio: 'ignore' });
  const main = join(outDir, 'cli/main.js');
  if (!existsSync(main)) throw new Error(`building the server into ${outDir} produced no cli/main.js`);
  return { compiled: main };
}
