import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

// The web UI bundles these; only artifacts-fs.ts and v1-sources.ts may reach for Node.
const NODE_ONLY = new Set(['artifacts-fs.ts', 'v1-sources.ts']);
const dir = new URL('.', import.meta.url).pathname;
const modules = readdirSync(dir).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !NODE_ONLY.has(f));

/** Specifiers of imports and re-exports that survive compilation (type-only ones are erased). */
function runtimeImports(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'([^']+)'/gms)) {
    if (!m[2]) out.push(m[3]!);
  }
  for (const m of source.matchAll(/^import\s+'([^']+)'/gm)) out.push(m[1]!);
  return out;
}

describe('browser-safe client modules', () => {
  it.each(modules)('%s imports only sibling client modules at runtime', (file) => {
    const imports = runtimeImports(readFileSync(join(dir, file), 'utf8'));
    for (const spec of imports) expect(spec, `${file} imports '${spec}'`).toMatch(/^\.\/[\w-]+\.js$/);
  });

  it('tells runtime imports from type-only ones', () => {
    const sample = "import type { A } from '../server/x.js';\nimport {\n  b,\n  type C,\n} from 'node:fs';\nimport 'node:path';\nexport type { D } from '../d.js';\nexport * from './e.js';\n";
    expect(runtimeImports(sample)).toEqual(['node:fs', './e.js', 'node:path']);
  });

  it('finds the modules it guards', () => {
    expect(modules).toEqual(expect.arrayContaining(['http.ts', 'tracking.ts', 'registry.ts', 'artifacts.ts', 'logged-models.ts', 'v1.ts', 'pipelines.ts', 'index.ts']));
  });
});
