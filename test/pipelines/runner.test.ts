import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainyardError } from '../../src/errors.js';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { finished, sourceFolder, states, task } from './support.js';

const chain = {
  kind: 'Pipeline',
  name: 'chain',
  params: { n: 3, word: 'hello' },
  tasks: {
    a: { command: 'echo {word} {n} > a.txt', outputs: ['a.txt'], code: ['a.sh'] },
    b: { command: 'sh b.sh', inputs: ['a'], outputs: ['b.txt'], code: ['b.sh'] },
    c: { command: 'test -f b.txt && echo "::metric name=lines value=$(wc -l < b.txt) step=0"', inputs: [{ from: 'b', output: 'b.txt' }], code: [] },
  },
};

/** Refusal of a submission: the error, with every problem's field. */
async function refusal(promise: Promise<unknown>): Promise<{ message: string; fields: string[] }> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TrainyardError);
  const e = err as TrainyardError;
  expect(e.code).toBe('INVALID_PARAMETER_VALUE');
  return { message: e.message, fields: (e.problems ?? []).map((p) => p.field) };
}

describe.each(BACKENDS)('pipeline runner on %s', (backend) => {
  let server: TestServer;
  let scratch: string;
  beforeAll(async () => {
    server = await startTestServer(backend);
    scratch = mkdtempSync(join(tmpdir(), 'trainyard-pipeline-scratch-'));
  });
  afterAll(async () => {
    await server?.close();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it('runs a chain, then takes every task from the cache; ::metric lines land in the task run', async () => {
    const p = server.services.pipelines;
    const dir = sourceFolder({ 'a.sh': '', 'b.sh': 'cat a.txt a.txt > b.txt\n' });
    const first = await finished(p, (await p.submit(chain, { localPaths: true, baseDir: dir })).id);
    expect(first.state).toBe('succeeded');
    expect(states(first)).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded' });
    const metrics = await server.services.tracking.runs.get(task(first, 'c').runId!);
    expect(metrics.data.metrics).toEqual([expect.objectContaining({ key: 'lines', value: 2 })]);

    const second = await finished(p, (await p.submit(chain, { localPaths: true, baseDir: dir })).id);
    expect(states(second)).toEqual({ a: 'cached', b: 'cached', c: 'cached' });
    expect(task(second, 'b').cachedFrom).toEqual({ runId: task(first, 'b').runId, pipelineRunId: first.id });
  });

  it('refuses a cycle, an unknown need, wrong-typed params and unknown placeholders before anything runs, naming each', async () => {
    const p = server.services.pipelines;
    const before = (await p.list()).length;
    const cycle = await refusal(
      p.submit({ kind: 'Pipeline', name: 'cyclic', tasks: { a: { command: 'true', needs: ['c'] }, b: { command: 'true', needs: ['a'] }, c: { command: 'true', needs: ['b'] } } }),
    );
    expect(cycle.fields).toEqual(['tasks']);
    expect(cycle.message).toMatch(/cycle: (a → b → c → a|b → c → a → b|c → a → b → c)/);

    const unknown = await refusal(p.submit({ kind: 'Pipeline', name: 'unknown', tasks: { a: { command: 'true' }, b: { command: 'true', needs: ['a', 'nope'] } } }));
    expect(unknown.fields).toEqual(['tasks.b.needs[1]']);
    expect(unknown.message).toContain("unknown task 'nope' (tasks: a, b)");

    const typed = { kind: 'Pipeline', name: 'typed', params: { n: { type: 'integer', default: 1 }, rate: { type: 'float', default: 0.5 } }, tasks: { a: { command: 'echo {n} {rate}' } } };
    const wrong = await refusal(p.submit(typed, { params: { n: 'three', rate: 'fast', extra: '1' } }));
    expect(wrong.fields.sort()).toEqual(['params.extra', 'params.n', 'params.rate']);
    expect(wrong.message).toContain("params.n: expected an integer, got 'three'");
    const badDefault = await refusal(p.submit({ ...typed, params: { n: { type: 'integer', default: 'x' } } }));
    expect(badDefault.fields).toEqual(['params.n.default']);

    const placeholder = await refusal(p.submit({ kind: 'Pipeline', name: 'ph', tasks: { a: { command: 'echo {missing}' } } }));
    expect(placeholder.message).toContain('tasks.a.command uses the placeholder {missing}');

    const refs = await refusal(
      p.submit({ kind: 'Pipeline', name: 'refs', tasks: { a: { command: 'true', outputs: ['x'] }, b: { command: 'true', inputs: [{ from: 'a', output: 'y' }, { from: 'zz' }] } } }),
    );
    expect(refs.fields).toEqual(['tasks.b.inputs[0].output', 'tasks.b.inputs[1].from']);
    await refusal(p.submit(chain, { force: ['nope'] }));
    const huge = await refusal(p.submit({ kind: 'Pipeline', name: 'huge', tasks: { big: { command: 'true', resources: { requests: { cpu: '4096', memory: '1Gi' }, limits: { cpu: '4096' } } } } }));
    expect(huge.fields).toEqual(['tasks.big.resources.requests.cpu']);
    expect(huge.message).toContain('requests 4096000m but this machine offers');
    expect((await p.list()).length).toBe(before);
  });

  it('fails a task that does not produce a declared output, naming the output', async () => {
    const p = server.services.pipelines;
    const run = await finished(
      p,
      (await p.submit({ kind: 'Pipeline', name: 'missing', tasks: { make: { command: 'echo > other.txt', outputs: ['model.pkl', { name: 'report', path: 'out/report' }] } } })).id,
    );
    expect(run.state).toBe('failed');
    expect(task(run, 'make').state).toBe('failed');
    expect(task(run, 'make').message).toBe("task 'make' did not produce its declared outputs 'model.pkl', 'report' (out/report) (paths are relative to its work directory '.')");
  });

  it('keeps independent branches going when a task fails; its dependants are upstream-failed', async () => {
    const p = server.services.pipelines;
    const spec = {
      kind: 'Pipeline',
      name: 'branches',
      tasks: {
        bad: { command: 'echo broken >&2; exit 3' },
        after_bad: { command: 'true', needs: ['bad'] },
        after_after: { command: 'true', needs: ['after_bad'] },
        good: { command: 'echo fine > good.txt', outputs: ['good.txt'] },
        after_good: { command: 'cat good.txt', inputs: ['good'] },
      },
    };
    const run = await finished(p, (await p.submit(spec)).id);
    expect(run.state).toBe('failed');
    expect(states(run)).toEqual({ bad: 'failed', after_bad: 'upstream-failed', after_after: 'upstream-failed', good: 'succeeded', after_good: 'succeeded' });
    expect(task(run, 'bad')).toMatchObject({ exitCode: 3, message: 'exited with code 3' });
    expect(task(run, 'after_bad').message).toBe("not run: task 'bad' failed");
    expect(run.message).toBe('2 succeeded, 1 failed, 2 upstream-failed; failed: bad (exited with code 3)');
    const log = Buffer.concat(await collect(p.logs(run.id, 'bad'))).toString();
    expect(log).toContain('broken');
    const runInfo = (await server.services.tracking.runs.get(task(run, 'bad').runId!)).info;
    expect(runInfo.status).toBe('FAILED');
  });

  it('retries a failed task after its backoff, and fails it when the tries run out', async () => {
    const p = server.services.pipelines;
    const counter = join(scratch, `tries-${backend}`);
    const count = (file: string) => `n=$(cat ${file} 2>/dev/null || echo 0); n=$((n+1)); echo $n > ${file}`;
    const spec = {
      kind: 'Pipeline',
      name: 'flaky',
      tasks: {
        flaky: { command: `${count(`${counter}-flaky`)}; [ $n -ge 3 ]`, retries: { count: 2, backoff: 0.2, factor: 2 } },
        doomed: { command: `${count(`${counter}-doomed`)}; exit 1`, retries: { count: 1, backoff: '0.1s' } },
      },
    };
    const run = await finished(p, (await p.submit(spec)).id);
    expect(task(run, 'flaky')).toMatchObject({ state: 'succeeded', attempt: 3, maxAttempts: 3 });
    expect(readFileSync(`${counter}-flaky`, 'utf8').trim()).toBe('3');
    expect(task(run, 'doomed')).toMatchObject({ state: 'failed', attempt: 2, maxAttempts: 2, message: 'exited with code 1' });
    expect(readFileSync(`${counter}-doomed`, 'utf8').trim()).toBe('2');
    const log = Buffer.concat(await collect(p.logs(run.id, 'flaky'))).toString();
    expect(log).toContain('try 1 of 3 failed (exited with code 1); trying again in 0.2s');
    expect(log).toContain('try 2 of 3 failed (exited with code 1); trying again in 0.4s');
  });

  it('never has more tasks in flight than its concurrency', async () => {
    const p = server.services.pipelines;
    const dir = join(scratch, `running-${backend}`);
    mkdirSync(dir);
    // Each task records how many tasks were running when it started.
    const body = (name: string) => `touch ${dir}/${name}; ls ${dir} | grep -v seen | wc -l > ${dir}/seen-${name}; sleep 0.5; rm ${dir}/${name}`;
    const tasks = Object.fromEntries(['t1', 't2', 't3', 't4', 't5'].map((n) => [n, { command: body(n), cache: false }]));
    const run = await finished(p, (await p.submit({ kind: 'Pipeline', name: 'wide', concurrency: 2, tasks })).id);
    expect(run.state).toBe('succeeded');
    const seen = readdirSync(dir).map((f) => Number(readFileSync(join(dir, f), 'utf8')));
    expect(seen).toHaveLength(5);
    expect(Math.max(...seen)).toBeLessThanOrEqual(2);
  });

  it('cancels a run: the running task is stopped, the rest cancelled, the parent run KILLED', async () => {
    const p = server.services.pipelines;
    const spec = { kind: 'Pipeline', name: 'long', tasks: { sleeper: { command: 'sleep 30' }, next: { command: 'true', needs: ['sleeper'] } } };
    const submitted = await p.submit(spec);
    for (let i = 0; i < 100 && task(await p.get(submitted.id), 'sleeper').state !== 'running'; i++) await new Promise((r) => setTimeout(r, 100));
    await p.cancel(submitted.id);
    const run = await finished(p, submitted.id);
    expect(run.state).toBe('cancelled');
    expect(states(run)).toEqual({ sleeper: 'cancelled', next: 'cancelled' });
    expect((await server.services.tracking.runs.get(run.runId!)).info.status).toBe('KILLED');
  });

  it('recomputes a cached task whose stored outputs were removed, and its dependants miss only if the bytes change', async () => {
    const p = server.services.pipelines;
    const spec = { kind: 'Pipeline', name: 'fragile', tasks: { make: { command: 'echo same > out.txt', outputs: ['out.txt'] }, use: { command: 'cat out.txt', inputs: ['make'] } } };
    const first = await finished(p, (await p.submit(spec)).id);
    expect(states(first)).toEqual({ make: 'succeeded', use: 'succeeded' });
    await server.services.artifacts.delete('pipelines/blobs');
    const second = await finished(p, (await p.submit(spec)).id);
    // The outputs are gone, so make runs again; it writes the same bytes, so use still hits.
    expect(states(second)).toEqual({ make: 'succeeded', use: 'cached' });
  });
});

async function collect(gen: AsyncGenerator<Buffer>): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for await (const chunk of gen) out.push(chunk);
  return out;
}
