import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderEntryPoint } from './mlproject-command.js';
import { loadMLproject, type MLproject } from './mlproject.js';
import { trainingCommand } from './toolchain.js';

let dir: string;
let project: MLproject;

// A script that prints the argv it received, one JSON array, so tests see exactly what the shell passed.
const ECHO_ARGS = 'import json, sys\nprint(json.dumps(sys.argv[1:]))\n';

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlproject-cmd-'));
  await mkdir(join(dir, 'data'));
  await writeFile(join(dir, 'data/train.csv'), 'x\n1\n');
  await writeFile(join(dir, 'echo_args.py'), ECHO_ARGS);
  await writeFile(join(dir, 'echo args.sh'), 'printf "%s|" "$@"\n');
  await writeFile(
    join(dir, 'MLproject'),
    `name: demo
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 0.5}
      name: string
      data: {type: path, default: data/train.csv}
      source: {type: uri, default: "s3://bucket/key"}
    command: "python3 echo_args.py --alpha {alpha} --name {name} --data {data} --source {source}"
  plain:
    command: "python3 echo_args.py {{literal}}"
`,
  );
  project = await loadMLproject(dir);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function run(argv: string[], env: Record<string, string> = {}): string {
  return execFileSync(argv[0]!, argv.slice(1), { cwd: dir, encoding: 'utf8', env: { ...process.env, ...env } });
}

describe('renderEntryPoint', () => {
  it('fills declared parameters, applying defaults, and runs through bash -c', () => {
    const cmd = renderEntryPoint(project, 'main', { name: 'wine' });
    expect(cmd.argv.slice(0, 2)).toEqual(['bash', '-c']);
    expect(cmd.display).toBe(`python3 echo_args.py --alpha 0.5 --name wine --data ${join(dir, 'data/train.csv')} --source s3://bucket/key`);
    expect(JSON.parse(run(cmd.argv))).toEqual(['--alpha', '0.5', '--name', 'wine', '--data', join(dir, 'data/train.csv'), '--source', 's3://bucket/key']);
    expect(cmd.parameters).toEqual({ alpha: '0.5', name: 'wine', data: join(dir, 'data/train.csv'), source: 's3://bucket/key' });
  });

  it('passes hostile values through the shell as exactly one argument each', () => {
    const hostile = `it's "$(touch pwned)" \`id\` $HOME ; exit 3\nsecond line`;
    const cmd = renderEntryPoint(project, 'main', { name: hostile, alpha: '1e-3' });
    expect(JSON.parse(run(cmd.argv))).toEqual(['--alpha', '1e-3', '--name', hostile, '--data', join(dir, 'data/train.csv'), '--source', 's3://bucket/key']);
  });

  it('appends parameters the entry point does not declare as --name value, quoted', () => {
    const cmd = renderEntryPoint(project, 'main', { name: 'n', 'max depth': '3 4', epochs: '10' });
    expect(cmd.display.endsWith(" --'max depth' '3 4' --epochs 10")).toBe(true);
    expect(JSON.parse(run(cmd.argv)).slice(-4)).toEqual(['--max depth', '3 4', '--epochs', '10']);
  });

  it('names every missing required parameter at once', () => {
    const bare = { ...project, entryPoints: { main: { name: 'main', command: 'x {a} {b}', parameters: [{ name: 'a', type: 'string' as const }, { name: 'b', type: 'float' as const }] } } };
    expect(() => renderEntryPoint(bare, 'main', {})).toThrow(`entry point 'main' of ${join(dir, 'MLproject')} needs a value for parameters 'a', 'b': set them in spec.hyperParameters`);
  });

  it('checks float values, naming where the value came from', () => {
    expect(() => renderEntryPoint(project, 'main', { name: 'n', alpha: 'high' })).toThrow(
      /parameter 'alpha' of entry point 'main' of .*MLproject is of type float, but 'high' \(from spec\.hyperParameters\) is not a number/,
    );
    for (const ok of ['1', '-2.5', '.5', '3.', '1e6', 'nan', 'inf', '-Infinity', '1_000']) {
      expect(renderEntryPoint(project, 'main', { name: 'n', alpha: ok }).parameters.alpha).toBe(ok);
    }
    for (const bad of ['', '1,5', '0x10', '1e', 'five']) {
      expect(() => renderEntryPoint(project, 'main', { name: 'n', alpha: bad })).toThrow(/is not a number/);
    }
  });

  it('makes path values absolute, accepts file: URIs, and refuses missing or remote ones', () => {
    expect(renderEntryPoint(project, 'main', { name: 'n', data: 'data' }).parameters.data).toBe(join(dir, 'data'));
    expect(renderEntryPoint(project, 'main', { name: 'n', data: `file://${join(dir, 'data/train.csv')}` }).parameters.data).toBe(join(dir, 'data/train.csv'));
    expect(() => renderEntryPoint(project, 'main', { name: 'n', data: 'nope.csv' })).toThrow(`does not exist: no file or folder at ${join(dir, 'nope.csv')}`);
    expect(renderEntryPoint(project, 'main', { name: 'n', data: 'later.csv' }, { checkPaths: false }).parameters.data).toBe(join(dir, 'later.csv'));
    expect(() => renderEntryPoint(project, 'main', { name: 'n', data: 's3://b/k' })).toThrow(/is a remote URI; Trainyard does not download path parameters/);
  });

  it('requires a scheme in uri values', () => {
    expect(renderEntryPoint(project, 'main', { name: 'n', source: 'https://example.com/d.csv' }).parameters.source).toBe('https://example.com/d.csv');
    expect(() => renderEntryPoint(project, 'main', { name: 'n', source: 'data/train.csv' })).toThrow(/is of type uri, but 'data\/train\.csv' .* is not a URI/);
  });

  it('turns {{ and }} into literal braces', () => {
    expect(JSON.parse(run(renderEntryPoint(project, 'plain', {}).argv))).toEqual(['{literal}']);
  });

  it('runs an undeclared .py or .sh entry point with python3 or bash, appending every parameter', () => {
    const py = renderEntryPoint(project, 'echo_args.py', { alpha: '2', note: 'a b' });
    expect(py.display).toBe("python3 echo_args.py --alpha 2 --note 'a b'");
    expect(JSON.parse(run(py.argv))).toEqual(['--alpha', '2', '--note', 'a b']);
    const sh = renderEntryPoint(project, 'echo args.sh', { x: '1' });
    expect(sh.display).toBe("bash 'echo args.sh' --x 1");
    expect(run(sh.argv)).toBe('--x|1|');
    expect(renderEntryPoint(project, 'echo_args.py', {}, { python: '/usr/bin/python3' }).display).toBe('/usr/bin/python3 echo_args.py');
  });

  it('names the declared entry points when the one asked for is neither declared nor a script', () => {
    expect(() => renderEntryPoint(project, 'train', {})).toThrow(
      `spec.entrypoint: 'train' is not an entry point of ${join(dir, 'MLproject')} (it has main, plain) and is not a .py or .sh file to run`,
    );
  });

  it('exports the resolved parameters as TRAINYARD_PARAM_<NAME>', () => {
    const cmd = renderEntryPoint(project, 'main', { name: 'n', extra: 'e' });
    expect(cmd.env).toEqual({
      TRAINYARD_PARAM_ALPHA: '0.5',
      TRAINYARD_PARAM_NAME: 'n',
      TRAINYARD_PARAM_DATA: join(dir, 'data/train.csv'),
      TRAINYARD_PARAM_SOURCE: 's3://bucket/key',
      TRAINYARD_PARAM_EXTRA: 'e',
    });
  });
});

describe('trainingCommand', () => {
  it('loads the MLproject of the work directory for toolchain mlflow, defaulting to entry point main', async () => {
    const cmd = await trainingCommand({ toolchain: 'mlflow', entrypoint: '', hyperParameters: { name: 'x' } }, dir);
    expect(cmd.display).toMatch(/^python3 echo_args\.py --alpha 0\.5 --name x /);
    expect(cmd.dockerEnv).toBeUndefined();
  });

  it('renders spec.command for toolchain command', async () => {
    const cmd = await trainingCommand({ toolchain: 'command', entrypoint: '', command: 'echo {a}', hyperParameters: { a: 'b c' } }, dir);
    expect(cmd.argv).toEqual(['/bin/sh', '-c', "echo 'b c'"]);
  });

  it('hands the docker_env on for container executors', async () => {
    const other = await mkdtemp(join(tmpdir(), 'mlproject-docker-'));
    try {
      await writeFile(join(other, 'MLproject'), 'docker_env: {image: "py:3"}\nentry_points:\n  main: {command: "true"}\n');
      const cmd = await trainingCommand({ toolchain: 'mlflow', entrypoint: 'main', hyperParameters: {} }, other);
      expect(cmd.dockerEnv).toEqual({ image: 'py:3', volumes: [], environment: [] });
    } finally {
      await rm(other, { recursive: true, force: true });
    }
  });
});
