/**
 * Makes sure web/dist holds a build of the current web/ sources before a test serves it: CI has it
 * from `npm ci` (prepare builds), a developer who edited the UI gets a fresh one. Test files run in
 * parallel, so one builds while the others wait on a lock folder.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');
const WEB = join(ROOT, 'web');
const INDEX = join(WEB, 'dist', 'index.html');
// Outside the tree (nothing to ignore in git), one per checkout.
const LOCK = join(tmpdir(), `trainyard-web-build-${createHash('sha256').update(ROOT).digest('hex').slice(0, 12)}.lock`);

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name.startsWith('.')) continue;
    const full = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(full) : statSync(full).mtimeMs);
  }
  return newest;
}

function fresh(): boolean {
  return existsSync(INDEX) && statSync(INDEX).mtimeMs >= newestSource(WEB);
}

export async function ensureWebBuilt(): Promise<void> {
  const deadline = Date.now() + 180_000;
  while (!fresh()) {
    try {
      mkdirSync(LOCK);
    } catch {
      // Someone else is building; a lock older than the deadline is left from a killed run.
      if (Date.now() > deadline) rmSync(LOCK, { recursive: true, force: true });
      await new Promise((r) => setTimeout(r, 500));
      continue;
    }
    try {
      if (!fresh()) execFileSync(join(ROOT, 'node_modules', '.bin', 'vite'), ['build', '--config', join(WEB, 'vite.config.ts'), '--logLevel', 'warn'], { cwd: ROOT, stdio: 'inherit' });
    } finally {
      rmSync(LOCK, { recursive: true, force: true });
    }
  }
}
