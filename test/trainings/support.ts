import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parse } from 'yaml';
import type { TrainingService } from '../../src/trainings/service.js';
import type { ModelTraining } from '../../src/trainings/resource.js';

export const EXAMPLES = resolve(import.meta.dirname, '../../examples');

/** An example's manifest, with optional overrides of its spec, and the folder its paths start from. */
export function exampleManifest(name: string, change: (m: any) => void = () => {}): { manifest: any; baseDir: string } {
  const file = resolve(EXAMPLES, name, 'training.yaml');
  const manifest = parse(readFileSync(file, 'utf8'));
  change(manifest);
  return { manifest, baseDir: dirname(file) };
}

/** Polls until the training reaches a finished state (or `states`), bounded so a hang fails the test. */
export async function waitForState(
  trainings: TrainingService,
  id: string,
  states: string[] = ['succeeded', 'failed', 'cancelled'],
  timeoutMs = 60_000,
): Promise<ModelTraining> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await trainings.get(id);
    if (states.includes(t.status.state)) return t;
    if (Date.now() > deadline) throw new Error(`training ${id} still ${t.status.state} after ${timeoutMs} ms: ${JSON.stringify(t.status)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** A PATH on which python3 is Debian's, with scikit-learn (pyenv shims may come first otherwise). */
export const DEBIAN_PATH = `/usr/bin:/bin:${process.env.PATH ?? ''}`;
