/**
 * Every example under examples/ validates, renders with its toolchain, and runs for real (Node,
 * or Debian's python3 with scikit-learn): its `::metric` lines carry the same values it prints as
 * `name=value`, and it leaves the files its README promises.
 */
import { execFile } from 'node:child_process';
import { cp, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';
import { afterAll, describe, expect, it } from 'vitest';
import { validateManifest } from '../../src/trainings/manifest/validate.js';
import { parseDirective, type LogDirective } from '../../src/trainings/log-directives.js';
import { trainingCommand } from '../../src/trainings/toolchains/toolchain.js';

const run = promisify(execFile);
const EXAMPLES = resolve(import.meta.dirname, '../../examples');
const scratch: string[] = [];
afterAll(async () => {
  for (const dir of scratch) await rm(dir, { recursive: true, force: true });
});

async function filesUnder(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const d of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (d.isFile()) out.push(relative(dir, join(d.parentPath, d.name)));
  }
  return out.sort();
}

/** Runs an example as a training would: a copy of its folder, its rendered command, an output folder. */
async function runExample(name: string) {
  const manifest = validateManifest(parse(await readFile(join(EXAMPLES, name, 'training.yaml'), 'utf8')));
  const work = await mkdtemp(join(tmpdir(), `example-${name}-`));
  scratch.push(work);
  const source = join(work, 'source');
  const output = join(work, 'output');
  await cp(join(EXAMPLES, name), source, { recursive: true });
  const command = await trainingCommand(manifest.spec, join(source, manifest.spec.workDir));
  const { stdout } = await run(command.argv[0]!, command.argv.slice(1), {
    cwd: join(source, manifest.spec.workDir),
    env: {
      // Debian's python3 (with scikit-learn) ahead of any other on this machine; no tracking server,
      // so the examples fall back to ::metric lines and the output folder.
      PATH: `/usr/bin:${process.env.PATH ?? ''}`,
      HOME: work,
      PYTHONDONTWRITEBYTECODE: '1',
      TRAINYARD_OUTPUT_DIR: output,
      ...command.env,
    },
  });
  const directives = stdout
    .split('\n')
    .map(parseDirective)
    .filter((d): d is LogDirective => d !== undefined && d.kind !== 'invalid');
  const printed = Object.fromEntries([...stdout.matchAll(/^(\w+)=(\S+)$/gm)].map((m) => [m[1]!, Number(m[2])]));
  return { manifest, command, stdout, directives, printed, files: await filesUnder(output).catch(() => []) };
}

function recordedMetrics(directives: LogDirective[]): Record<string, number> {
  return Object.fromEntries(directives.filter((d) => d.kind === 'metric').map((d) => [d.key, d.value as number]));
}

describe('examples', () => {
  it('quickstart: Node only, one mse point per epoch, model.json', async () => {
    const r = await runExample('quickstart');
    expect(r.command.argv).toEqual(['/bin/sh', '-c', 'node train.mjs --epochs 60 --learning-rate 0.1']);
    const mse = r.directives.filter((d) => d.kind === 'metric' && d.key === 'mse');
    expect(mse.map((d) => (d as { step: number }).step)).toEqual(Array.from({ length: 60 }, (_, i) => i + 1));
    expect(r.files).toEqual(['model.json']);
    expect(r.stdout).toMatch(/Model: rent = 12\.\d+ \* size_m2/);
  });

  it('iris: train.py INPUT_DIR OUTPUT_DIR writes model.pkl and reports accuracy', async () => {
    const r = await runExample('iris');
    expect(r.command.display).toBe('python3 train.py data "$TRAINYARD_OUTPUT_DIR" --c 1.0 --max-iter 200');
    expect(r.files).toEqual(['model.pkl']);
    expect(recordedMetrics(r.directives)).toEqual({ accuracy: r.printed.accuracy });
    expect(r.printed.accuracy).toBeGreaterThan(0.9);
  }, 60_000);

  it('wine: the MLproject entry point logs params, rmse/mae/r2 and the model with its head samples', async () => {
    const r = await runExample('wine');
    expect(r.command.argv[0]).toBe('bash');
    expect(r.command.display).toMatch(/^python3 train\.py --alpha 0\.5 --l1-ratio 0\.1 --data \/.*\/source\/data\/winequality-red\.csv$/);
    expect(r.directives.filter((d) => d.kind === 'param')).toEqual([
      { kind: 'param', key: 'alpha', value: '0.5' },
      { kind: 'param', key: 'l1_ratio', value: '0.1' },
    ]);
    const metrics = recordedMetrics(r.directives);
    expect(Object.keys(metrics).sort()).toEqual(['mae', 'r2', 'rmse']);
    expect(metrics).toEqual({ rmse: r.printed.rmse, mae: r.printed.mae, r2: r.printed.r2 });
    expect(r.files).toEqual(['model/head_input.pkl', 'model/head_output.pkl', 'model/model.pkl']);
  }, 60_000);

  it('boston: MLPRegressor logs mse/mae/rmse, the model and a residual plot', async () => {
    const r = await runExample('boston');
    expect(r.command.display).toBe('python3 train.py --hidden-layers 64,32 --max-iter 500 --alpha 0.0001');
    const metrics = recordedMetrics(r.directives);
    expect(metrics).toEqual({ mse: r.printed.mse, mae: r.printed.mae, rmse: r.printed.rmse });
    expect(metrics.rmse).toBeCloseTo(Math.sqrt(metrics.mse!), 12);
    expect(r.files).toEqual(['model/model.pkl', 'plots/residuals.png']);
  }, 60_000);
});
