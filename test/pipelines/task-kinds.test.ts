/**
 * The other ways a task runs and gets data: an MLproject entry point, an inline ModelTraining (run
 * by the training service, nested under the pipeline run), and inputs from a connection.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { finished, sourceFolder, states, task } from './support.js';

async function logOf(server: TestServer, run: string, name: string): Promise<string> {
  let text = '';
  for await (const chunk of server.services.pipelines.logs(run, name)) text += chunk.toString();
  return text;
}

describe('task kinds and inputs', { timeout: 120_000 }, () => {
  let server: TestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    scratch = mkdtempSync(join(tmpdir(), 'trainyard-task-kinds-'));
  });
  afterAll(async () => {
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs an MLproject entry point with pipeline params in its parameters; the MLproject is part of its code', async () => {
    const p = server.services.pipelines;
    const mlproject = (command: string) => `name: demo\nentry_points:\n  main:\n    parameters:\n      alpha: {type: float, default: 0.5}\n      out: {type: string, default: result.txt}\n    command: "${command}"\n`;
    const dir = sourceFolder({ 'proj/MLproject': mlproject('echo alpha={alpha} > {out}') });
    const spec = {
      kind: 'Pipeline',
      name: 'entry',
      params: { rate: { type: 'float', default: 0.25 } },
      tasks: {
        fit: { workDir: 'proj', entrypoint: 'main', parameters: { alpha: '{rate}' }, code: [], outputs: ['result.txt'] },
        show: { command: 'cat result.txt', inputs: ['fit'] },
      },
    };
    const first = await finished(p, (await p.submit(spec, { localPaths: true, baseDir: dir })).id);
    expect(states(first)).toEqual({ fit: 'succeeded', show: 'succeeded' });
    expect(await logOf(server, first.id, 'show')).toContain('alpha=0.25');
    expect(await logOf(server, first.id, 'fit')).toContain('[trainyard] entry point main: echo alpha=0.25 > result.txt');

    writeFileSync(join(dir, 'proj/MLproject'), mlproject('echo alpha={alpha} level=2 > {out}'));
    const plan = await p.plan(spec, { localPaths: true, baseDir: dir });
    expect(plan.tasks[0]).toMatchObject({ name: 'fit', action: 'run', changed: ['code'] });
  });

  it('copies connection inputs into the workspace; their content is part of the key', async () => {
    const p = server.services.pipelines;
    const data = join(scratch, 'data');
    mkdirSync(join(data, 'train'), { recursive: true });
    writeFileSync(join(data, 'train', 'a.csv'), 'x\n1\n2\n');
    await server.services.connections.create({ id: 'pipeline-data', spec: { type: 'local', uri: data } });
    const spec = {
      kind: 'Pipeline',
      name: 'conn',
      tasks: { count: { command: 'wc -l < data/a.csv > n.txt', inputs: [{ connection: 'pipeline-data', remotePath: 'train', path: 'data/' }], outputs: ['n.txt'] } },
    };
    const first = await finished(p, (await p.submit(spec)).id);
    expect(states(first)).toEqual({ count: 'succeeded' });
    expect(states(await finished(p, (await p.submit(spec)).id))).toEqual({ count: 'cached' });
    writeFileSync(join(data, 'train', 'a.csv'), 'x\n1\n2\n3\n');
    expect((await p.plan(spec)).tasks[0]).toMatchObject({ action: 'run', changed: ['inputs'] });
    expect(states(await finished(p, (await p.submit(spec)).id))).toEqual({ count: 'succeeded' });

    const missing = await p.submit({ ...spec, tasks: { count: { ...spec.tasks.count, inputs: [{ connection: 'nope', path: 'data/' }] } } }).catch((e: Error) => e);
    expect((missing as Error).message).toContain("tasks.count.inputs[0].connection: connection 'nope' does not exist");
  });

  it('runs an inline ModelTraining through the training service, nested under the pipeline run, and caches it', async () => {
    const p = server.services.pipelines;
    const spec = {
      kind: 'Pipeline',
      name: 'inline',
      params: { alpha: 0.5 },
      tasks: {
        train: {
          training: {
            model: { name: 'pipeline-inline', version: '1.0' },
            toolchain: 'command',
            command: 'echo trained {alpha} > "$TRAINYARD_OUTPUT_DIR/model.txt"',
            hyperParameters: { alpha: '{alpha}' },
          },
          outputs: ['model.txt'],
        },
        use: { command: 'cat model.txt', inputs: ['train'] },
      },
    };
    const first = await finished(p, (await p.submit(spec)).id);
    expect(states(first), JSON.stringify(first.tasks)).toEqual({ train: 'succeeded', use: 'succeeded' });
    expect(await logOf(server, first.id, 'use')).toContain('trained 0.5');
    const trainingId = task(first, 'train').trainingId!;
    const training = await server.services.trainings.get(trainingId);
    expect(training.status).toMatchObject({ state: 'succeeded', modelVersion: '1' });
    expect(task(first, 'train').runId).toBe(training.status.runId);
    const run = await server.services.tracking.runs.get(training.status.runId!);
    const tags = Object.fromEntries(run.data.tags!.map((t) => [t.key, t.value]));
    expect(tags).toMatchObject({ 'mlflow.parentRunId': first.runId, 'trainyard.task': 'train', 'trainyard.pipeline_run_id': first.id });

    expect(states(await finished(p, (await p.submit(spec)).id))).toEqual({ train: 'cached', use: 'cached' });
    const refused = await p.submit({ ...spec, tasks: { train: { training: { toolchain: 'command', workDir: 'x' } } } }).catch((e: Error) => e);
    expect((refused as Error).message).toContain('tasks.train.training.workDir');
  });
});
