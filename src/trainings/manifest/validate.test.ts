import { describe, expect, it } from 'vitest';
import { TrainyardError } from '../../errors.js';
import { validateManifest, type ValidateOptions } from './validate.js';

const base = () => ({
  kind: 'ModelTraining',
  id: 'wine-12345',
  spec: {
    model: { name: 'wine', version: '3.0' },
    toolchain: 'mlflow',
    entrypoint: 'main',
    workDir: 'mlflow/wine',
    data: [{ connName: 'wine', localPath: 'mlflow/wine-quality/', remotePath: 'training-data/' }],
    hyperParameters: { alpha: '1.0', l1_ratio: 0.5 },
    resources: { limits: { cpu: '1', memory: '1Gi' }, requests: { cpu: '500m', memory: '512Mi' } },
    envs: [{ name: 'TEST_ENV_KEY', value: 'TEST_ENV_VALUE' }],
    vcsName: 'repo',
    reference: 'main',
  },
});

const connections: ValidateOptions = { connectionType: (id) => ({ wine: 's3', repo: 'git', docs: 'http' })[id] };

function problemsOf(input: unknown, options: ValidateOptions = connections) {
  try {
    validateManifest(input, options);
  } catch (err) {
    expect(err).toBeInstanceOf(TrainyardError);
    const e = err as TrainyardError;
    expect(e.code).toBe('INVALID_PARAMETER_VALUE');
    return e.problems ?? [];
  }
  throw new Error('expected the manifest to be refused');
}

describe('ModelTraining manifest validation', () => {
  it("accepts Odahu's documented manifest and fills in defaults", () => {
    const { id, spec } = validateManifest(base(), connections);
    expect(id).toBe('wine-12345');
    expect(spec).toMatchObject({
      model: { name: 'wine', version: '3.0', artifactNameTemplate: '{{ .Name }}-{{ .Version }}-{{ .RandomUUID }}.zip' },
      toolchain: 'mlflow',
      entrypoint: 'main',
      workDir: 'mlflow/wine',
      data: [{ connName: 'wine', localPath: 'mlflow/wine-quality/', remotePath: 'training-data/' }],
      hyperParameters: { alpha: '1.0', l1_ratio: '0.5' },
      resources: { limits: { cpu: '1', memory: '1Gi', gpu: 0 }, requests: { cpu: '500m', memory: '512Mi', gpu: 0 } },
      executor: 'local',
      experiment: 'wine',
      vcsName: 'repo',
      reference: 'main',
    });
  });

  it('accepts the `connection` spelling of a data binding and numbers for quantities', () => {
    const m = base();
    m.spec.data = [{ connection: 'wine', localPath: 'data' } as never];
    (m.spec.resources as unknown) = { limits: { cpu: 2, memory: 2147483648 } };
    const { spec } = validateManifest(m, connections);
    expect(spec.data[0]).toEqual({ connName: 'wine', localPath: 'data' });
    expect(spec.resources.limits).toEqual({ cpu: '2', memory: '2Gi', gpu: 0 });
    expect(spec.resources.requests).toEqual({ cpu: '500m', memory: '256Mi', gpu: 0 });
  });

  it('caps default requests by small limits and raises default limits to big requests', () => {
    const m = base();
    (m.spec.resources as unknown) = { limits: { cpu: '250m', memory: '128Mi' } };
    expect(validateManifest(m, connections).spec.resources.requests).toMatchObject({ cpu: '250m', memory: '128Mi' });
    (m.spec.resources as unknown) = { requests: { cpu: '4', memory: '8Gi' } };
    expect(validateManifest(m, connections).spec.resources.limits).toMatchObject({ cpu: '4', memory: '8Gi' });
  });

  it('reports five independent mistakes together, structural and semantic, each naming its field', () => {
    const m = base() as any;
    m.id = 'Wine_12345';
    m.spec.hyperparameters = { alpha: 1 };
    m.spec.resources.requests.cpu = 'lots';
    m.spec.data[0].connName = 'missing';
    m.spec.envs.push({ name: 'MLFLOW_RUN_ID', value: 'x' });
    const problems = problemsOf(m);
    expect(problems.map((p) => p.field).sort()).toEqual(
      ['id', 'spec.data[0].connName', 'spec.envs[1].name', 'spec.hyperparameters', 'spec.resources.requests.cpu'].sort(),
    );
    expect(problems.find((p) => p.field === 'spec.hyperparameters')!.message).toBe('unknown field');
    expect(problems.find((p) => p.field === 'spec.data[0].connName')!.message).toContain("'missing' does not exist");
  });

  it('survives wrong shapes everywhere and still reports each', () => {
    const m = { spec: { model: 'wine', toolchain: 'python', data: 'bucket', resources: [], envs: {}, workDir: '../x' } };
    const fields = problemsOf(m).map((p) => p.field);
    expect(fields).toEqual(expect.arrayContaining(['spec.model', 'spec.toolchain', 'spec.data', 'spec.resources', 'spec.envs', 'spec.workDir']));
  });

  it('requires exactly one source', () => {
    const none = base() as any;
    delete none.spec.vcsName;
    delete none.spec.reference;
    expect(problemsOf(none).map((p) => p.field)).toEqual(['spec.algorithmSource']);
    const two = base() as any;
    two.spec.algorithmSource = { local: { path: './src' } };
    expect(problemsOf(two)[0]!.message).toContain('exactly one source');
  });

  it('checks connection types and the command toolchain', () => {
    const m = base() as any;
    m.spec.vcsName = 'wine';
    m.spec.toolchain = 'command';
    const problems = problemsOf(m);
    expect(problems.map((p) => p.field).sort()).toEqual(['spec.command', 'spec.vcsName']);
    expect(problems.find((p) => p.field === 'spec.vcsName')!.message).toContain("type 's3'");
  });

  it('refuses requests above limits, bad timeouts and unknown template variables', () => {
    const m = base() as any;
    m.spec.resources = { limits: { cpu: '1' }, requests: { cpu: '2' } };
    m.spec.timeout = 'soon';
    expect(problemsOf(m).map((p) => p.field).sort()).toEqual(['spec.resources.requests.cpu', 'spec.timeout']);
  });

  it('parses durations and generates an id when none is given', () => {
    const m = base() as any;
    delete m.id;
    m.spec.timeout = '1h30m';
    const { id, spec } = validateManifest(m, connections);
    expect(id).toMatch(/^wine-[0-9a-f]{6}$/);
    expect(spec.timeout).toBe(5400);
  });
});
