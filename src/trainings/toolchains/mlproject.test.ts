import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { problemsOf } from '../../../test/support/problems.js';
import { loadMLproject, parseMLproject } from './mlproject.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mlproject-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const WINE = `
name: wine
python_env: python_env.yaml
entry_points:
  main:
    parameters:
      alpha: {type: float, default: 1.0}
      l1_ratio: {type: float, default: 0.10}
      data: path
      label:
    command: "python3 train.py {alpha} {l1_ratio} {data}"
  validate:
    command: python3 validate.py
`;

describe('parseMLproject', () => {
  it('reads name, entry points, parameter types and defaults as written', () => {
    const p = parseMLproject(WINE, '/src/wine/MLproject');
    expect(p.name).toBe('wine');
    expect(p.dir).toBe('/src/wine');
    expect(p.environment).toEqual({ type: 'python', file: '/src/wine/python_env.yaml' });
    expect(Object.keys(p.entryPoints)).toEqual(['main', 'validate']);
    expect(p.entryPoints.main!.parameters).toEqual([
      { name: 'alpha', type: 'float', default: '1.0' },
      { name: 'l1_ratio', type: 'float', default: '0.10' },
      { name: 'data', type: 'path' },
      { name: 'label', type: 'string' },
    ]);
    expect(p.entryPoints.main!.command).toBe('python3 train.py {alpha} {l1_ratio} {data}');
    expect(p.entryPoints.validate!.parameters).toEqual([]);
  });

  it('records docker_env with volumes and environment for the Docker executor', () => {
    const p = parseMLproject(
      `docker_env:
  image: trainer:1
  volumes: ["/data:/data"]
  environment: [["MODE", "fast"], "HOME"]
entry_points:
  main: {command: "true"}
`,
      '/p/MLproject',
    );
    expect(p.environment).toEqual({
      type: 'docker',
      docker: { image: 'trainer:1', volumes: ['/data:/data'], environment: [['MODE', 'fast'], 'HOME'] },
    });
  });

  it('reports every problem at once, each naming its field, with the file in the message', () => {
    const text = `
python_env: env.yaml
conda_env: conda.yaml
docker_env:
  volumes: "not a list"
  environment: [["A"]]
entry_points:
  main:
    parameters:
      alpha: {type: number}
      ratio: {type: float, default: abc}
      "bad name!": string
    command: "train {alpha} {missing}"
  nocommand:
    parameters: {}
  listy: [1, 2]
`;
    let message = '';
    try {
      parseMLproject(text, '/src/MLproject');
    } catch (err) {
      message = (err as Error).message;
    }
    expect(message).toMatch(/^Invalid MLproject file \/src\/MLproject/);
    expect(problemsOf(() => parseMLproject(text, '/src/MLproject'))).toEqual([
      'python_env, conda_env, docker_env: a project may declare only one environment; keep one of them',
      'entry_points.main.parameters.alpha.type: unknown parameter type "number"; use one of string, float, path, uri',
      "entry_points.main.parameters.ratio.default: 'abc' is not a number, but the parameter is of type float",
      'entry_points.main.parameters.bad name!: a parameter name may only hold letters, digits, "_", "-", ".", ":" and "/"',
      expect.stringMatching(/^entry_points\.main\.command: the command uses the placeholder \{alpha\}, which is not a parameter \(known: ratio\)/),
      'entry_points.nocommand.command: required: the command line to run, with {parameter} placeholders',
      'entry_points.listy: must be a mapping with command and (optionally) parameters',
    ]);
  });

  it('checks docker_env on its own', () => {
    expect(problemsOf(() => parseMLproject('docker_env:\n  volumes: [1, {a: b}]\n  environment: [["A"]]\n', '/p/MLproject'))).toEqual([
      'docker_env.image: required: the image to run the project in',
      'docker_env.volumes: must be a list of strings such as "/host/path:/container/path"',
      'docker_env.environment: must be a list whose items are a variable name (copied from the host) or a [name, value] pair',
    ]);
  });

  it('refuses environment files outside the project', () => {
    expect(problemsOf(() => parseMLproject('conda_env: ../../etc/env.yaml\n', '/p/MLproject'))).toEqual([
      "conda_env: '../../etc/env.yaml' must be a path inside the project folder",
    ]);
  });

  it('names the line of a YAML syntax error and refuses non-mappings', () => {
    expect(() => parseMLproject('entry_points:\n  main: {command: [\n', '/p/MLproject')).toThrow(/\/p\/MLproject is not valid YAML at line \d+/);
    expect(() => parseMLproject('- a\n- b\n', '/p/MLproject')).toThrow(/\/p\/MLproject must be a YAML mapping with entry_points/);
    expect(() => parseMLproject('', '/p/MLproject')).toThrow(/must be a YAML mapping/);
  });

  it('refuses duplicate keys instead of silently keeping one', () => {
    expect(() => parseMLproject('entry_points:\n  main: {command: a}\n  main: {command: b}\n', '/p/MLproject')).toThrow(/not valid YAML/);
  });
});

describe('loadMLproject', () => {
  it('finds the file whatever its capitalisation', async () => {
    await writeFile(join(dir, 'mlproject'), 'entry_points:\n  main: {command: "true"}\n');
    const p = await loadMLproject(dir);
    expect(p.file).toBe(join(dir, 'mlproject'));
  });

  it('names the expected file when there is none', async () => {
    await expect(loadMLproject(dir)).rejects.toThrow(
      `toolchain 'mlflow' needs an MLproject file in the work directory, but ${join(dir, 'MLproject')} does not exist`,
    );
  });

  it('requires the environment file the MLproject names', async () => {
    await writeFile(join(dir, 'MLproject'), 'python_env: env/python_env.yaml\n');
    await expect(loadMLproject(dir)).rejects.toThrow(`${join(dir, 'MLproject')}: python_env names ${join(dir, 'env/python_env.yaml')}, but no such file exists`);
    await mkdir(join(dir, 'env'));
    await writeFile(join(dir, 'env/python_env.yaml'), 'python: "3.11"\n');
    expect((await loadMLproject(dir)).environment).toEqual({ type: 'python', file: join(dir, 'env/python_env.yaml') });
  });

  it('falls back to python_env.yaml, then conda.yaml, as MLflow does', async () => {
    await writeFile(join(dir, 'MLproject'), 'name: x\n');
    expect((await loadMLproject(dir)).environment).toEqual({ type: 'python' });
    await writeFile(join(dir, 'conda.yaml'), 'name: x\n');
    expect((await loadMLproject(dir)).environment).toEqual({ type: 'conda', file: join(dir, 'conda.yaml') });
    await writeFile(join(dir, 'python_env.yaml'), 'python: "3.11"\n');
    expect((await loadMLproject(dir)).environment).toEqual({ type: 'python', file: join(dir, 'python_env.yaml') });
  });
});
