/**
 * The real CLI as a child process. `tsx` takes seconds per start on a loaded 2-core machine, so
 * the CLI is bundled once per test file with esbuild (what tsx itself uses), packages left
 * external; each module keeps its own import.meta.url so paths relative to the source still hold.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { mkdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { REPO } from '../support/server-process.js';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Sends SIGINT (as Ctrl-C does) once stdout matches. */
  interruptWhen?: RegExp;
  /** The signal `interruptWhen` sends instead, e.g. SIGKILL for a command that dies without cleaning up. */
  interruptWith?: NodeJS.Signals;
}

export interface Cli {
  /** Runs `trainyard ...args`; never rejects on a non-zero exit. */
  run(args: string[], options?: RunOptions): Promise<CliResult>;
  /** A scratch folder for this file's runs (TRAINYARD_HOME, outputs, manifests). */
  dir: string;
  close(): void;
}

export async function buildCli(): Promise<Cli> {
  // Inside the repository so that the bundle finds node_modules; .cache is ignored with node_modules.
  const cache = join(REPO, 'node_modules', '.cache');
  await mkdir(cache, { recursive: true });
  const out = mkdtempSync(join(cache, 'trainyard-cli-test-'));
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-cli-'));
  const main = join(out, 'main.js');
  await build({
    entryPoints: [join(REPO, 'src/cli/main.ts')],
    outdir: out,
    // Dynamic imports stay lazy chunks, as in the compiled CLI: remote commands never load the services.
    splitting: true,
    outExtension: { '.js': '.js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external',
    logLevel: 'error',
    plugins: [
      {
        name: 'keep-import-meta-url',
        setup(b) {
          b.onLoad({ filter: /\.ts$/ }, async (args) => ({
            contents: (await readFile(args.path, 'utf8')).replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)),
            loader: 'ts',
          }));
        },
      },
    ],
  });
  return {
    dir,
    run: (args, options = {}) => runNode(main, args, { cwd: dir, ...options }),
    close() {
      rmSync(out, { recursive: true, force: true });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The environment a CLI run starts from: none of the developer's Trainyard settings leak in. */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('TRAINYARD_') && !k.startsWith('MLFLOW_')) env[k] = v;
  return { ...env, NO_COLOR: '1' };
}

function runNode(main: string, args: string[], options: RunOptions): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [main, ...args], { cwd: options.cwd, env: { ...baseEnv(), ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let interrupted = false;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      stdout += d;
      if (options.interruptWhen && !interrupted && options.interruptWhen.test(stdout)) {
        interrupted = true;
        child.kill(options.interruptWith ?? 'SIGINT');
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // A hung CLI fails its test with what it printed, rather than at the test timeout.
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.once('error', reject);
    child.once('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The example manifests' folder. */
export const EXAMPLES = join(REPO, 'examples');

/** The quickstart manifest with another id and command, its source still the example folder. */
export function variant(cli: Cli, id: string, command: string): string {
  const file = join(cli.dir, `${id}.yaml`);
  writeFileSync(
    file,
    [
      'kind: ModelTraining',
      `id: ${id}`,
      'spec:',
      `  model: {name: ${id}, version: "1.0"}`,
      '  toolchain: command',
      `  command: ${JSON.stringify(command)}`,
      `  algorithmSource: {local: {path: ${JSON.stringify(join(EXAMPLES, 'quickstart'))}}}`,
    ].join('\n'),
  );
  return file;
}
