/**
 * Pipeline tasks with `executor: docker` through a real server, run as trainings are: in the
 * task's image, one built from its Dockerfile, or its MLproject's docker_env image, with the
 * docker_env's variables, the image's PATH and a writable HOME instead of the server's, and
 * Trainyard's Python module mounted. A built image joins the task's cache key.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { finished, sourceFolder, states, task } from '../pipelines/support.js';
import { docker, removeImage, requireDocker, TEST_IMAGE } from './docker-support.js';

async function logOf(server: TestServer, run: string, name: string): Promise<string> {
  let text = '';
  for await (const chunk of server.services.pipelines.logs(run, name)) text += chunk.toString();
  return text;
}

describe('pipeline tasks in Docker', () => {
  let server: TestServer;
  let dir: string | undefined;
  const dirs: string[] = [];
  const builtTags = new Set<string>();

  beforeAll(async () => {
    await requireDocker();
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
    for (const tag of builtTags) await removeImage(tag);
  });

  /** The tag a task log says was built, remembered for removal. */
  function builtTag(log: string): string | undefined {
    const tag = /\[trainyard\] building image (trainyard\/build:[0-9a-f]{32}) from Dockerfile Dockerfile/.exec(log)?.[1];
    if (tag) builtTags.add(tag);
    return tag;
  }

  it('runs an entry point in its docker_env image and a command task in its image; the output of one feeds the other', async () => {
    const imagePath = (await docker.getImage(TEST_IMAGE).inspect()).Config.Env.find((e) => e.startsWith('PATH='))!.slice('PATH='.length);
    dir = sourceFolder({
      MLproject: `name: prep\ndocker_env:\n  image: ${TEST_IMAGE}\n  environment: [["PREP_RUNS_IN", "docker"]]\nentry_points:\n  main:\n    command: "sh prep.sh"\n`,
      'prep.sh': 'echo "runs in $PREP_RUNS_IN; home $HOME; path $PATH"\nseq 1 3 > data.txt\n',
      'train.py': [
        'import os, trainyard',
        "rows = open('data.txt').read().split()",
        "trainyard.log_metric('rows', len(rows))",
        "open('model.txt', 'w').write('model of %d rows\\n' % len(rows))",
        "print('home %s; path %s' % (os.environ['HOME'], os.environ['PATH']))",
      ].join('\n'),
    });
    const spec = {
      kind: 'Pipeline',
      name: 'docker-pipe',
      tasks: {
        prep: { entrypoint: 'main', executor: 'docker', outputs: ['data.txt'] },
        train: { command: 'python3 train.py', executor: 'docker', image: TEST_IMAGE, inputs: ['prep'], outputs: ['model.txt'] },
      },
    };
    const p = server.services.pipelines;
    const run = await finished(p, (await p.submit(spec, { localPaths: true, baseDir: dir })).id, 180_000);
    const prepLog = await logOf(server, run.id, 'prep');
    const trainLog = await logOf(server, run.id, 'train');
    expect(states(run), `${prepLog}\n${trainLog}`).toEqual({ prep: 'succeeded', train: 'succeeded' });

    expect(prepLog).toContain(`from ${TEST_IMAGE}, network host`);
    expect(prepLog).toContain(`runs in docker; home /tmp; path ${imagePath}\n`);
    expect(trainLog).toContain(`from ${TEST_IMAGE}, network host`);
    expect(trainLog).toContain(`home /tmp; path ${imagePath}\n`);
    // Logged through the mounted Python module into the task's own run.
    const metrics = (await server.services.tracking.runs.get(task(run, 'train').runId!)).data.metrics ?? [];
    expect(metrics.map((m) => [m.key, m.value])).toEqual([['rows', 3]]);
    expect(task(run, 'train').outputs.map((o) => o.name)).toEqual(['model.txt']);
  }, 240_000);

  it("a task built from its Dockerfile runs in that image; the second run is a hit; an edited Dockerfile re-runs it and its dependants with a new image; a forced re-run builds nothing", async () => {
    const src = sourceFolder({
      Dockerfile: `FROM ${TEST_IMAGE}\nRUN echo v1 > /flavour\n`,
      'env.sh': 'echo "flavour $(cat /flavour)" | tee flavour.txt\n',
      'use.sh': 'cp flavour.txt seen.txt\n',
    });
    dirs.push(src);
    const spec = {
      kind: 'Pipeline',
      name: 'docker-built',
      tasks: {
        // Code globs leave the Dockerfile out: an edit to it shows as the environment part of the key.
        env: { command: 'sh env.sh', executor: 'docker', dockerfile: 'Dockerfile', code: ['env.sh'], outputs: ['flavour.txt'] },
        use: { command: 'sh use.sh', executor: 'docker', image: TEST_IMAGE, code: ['use.sh'], inputs: ['env'], outputs: ['seen.txt'] },
        apart: { command: 'echo apart > apart.txt', code: ['use.sh'], outputs: ['apart.txt'] },
      },
    };
    const p = server.services.pipelines;
    const submit = async (force?: string[]) => finished(p, (await p.submit(spec, { localPaths: true, baseDir: src, ...(force && { force }) })).id, 180_000);

    const first = await submit();
    const firstEnvLog = await logOf(server, first.id, 'env');
    expect(states(first), firstEnvLog).toEqual({ env: 'succeeded', use: 'succeeded', apart: 'succeeded' });
    const tag1 = builtTag(firstEnvLog);
    expect(tag1, firstEnvLog).toBeDefined();
    expect(firstEnvLog).toContain(`from ${tag1}, network host`);
    expect(firstEnvLog).toContain('flavour v1\n');
    expect(await logOf(server, first.id, 'use')).toContain(`from ${TEST_IMAGE}, network host`);

    const second = await submit();
    expect(states(second)).toEqual({ env: 'cached', use: 'cached', apart: 'cached' });
    expect(task(second, 'env').cacheKey).toBe(task(first, 'env').cacheKey);

    writeFileSync(join(src, 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN echo v2 > /flavour\n`);
    const plan = await p.plan(spec, { localPaths: true, baseDir: src });
    expect(plan.tasks.map((t) => [t.name, t.action, t.reason])).toEqual([
      ['env', 'run', 'not in the cache: environment changed'],
      ['use', 'run', "upstream 'env' runs"],
      ['apart', 'cached', `cached: the result of pipeline run ${first.id}`],
    ]);

    const third = await submit();
    const thirdEnvLog = await logOf(server, third.id, 'env');
    expect(states(third), thirdEnvLog).toEqual({ env: 'succeeded', use: 'succeeded', apart: 'cached' });
    const tag2 = builtTag(thirdEnvLog);
    expect(tag2, thirdEnvLog).toBeDefined();
    expect(tag2).not.toBe(tag1);
    expect(thirdEnvLog).toContain('flavour v2\n');
    expect(task(third, 'use').outputs[0]!.digest).not.toBe(task(first, 'use').outputs[0]!.digest);

    const forced = await submit(['env']);
    const forcedLog = await logOf(server, forced.id, 'env');
    expect(states(forced), forcedLog).toEqual({ env: 'succeeded', use: 'succeeded', apart: 'cached' });
    expect(forcedLog).toContain(`image cache hit: ${tag2} (Dockerfile Dockerfile); nothing to build`);
    expect(forcedLog).not.toContain('building image');
    expect(task(forced, 'use').outputs[0]!.digest).toBe(task(third, 'use').outputs[0]!.digest);
  }, 480_000);

  it('a Dockerfile that fails to build, or is missing, fails its task saying why; the new fields are checked at submit', async () => {
    const src = sourceFolder({ Dockerfile: `FROM ${TEST_IMAGE}\nRUN exit 3\n` });
    dirs.push(src);
    const p = server.services.pipelines;
    const spec = {
      kind: 'Pipeline',
      name: 'docker-broken',
      tasks: {
        broken: { command: 'true', executor: 'docker', dockerfile: 'Dockerfile' },
        missing: { command: 'true', executor: 'docker', dockerfile: 'env/Nope.Dockerfile' },
      },
    };
    const run = await finished(p, (await p.submit(spec, { localPaths: true, baseDir: src })).id, 180_000);
    const brokenLog = await logOf(server, run.id, 'broken');
    expect(states(run), brokenLog).toEqual({ broken: 'failed', missing: 'failed' });
    expect(task(run, 'broken').message).toMatch(/Dockerfile Dockerfile: the image build failed at step 2\/2 \(RUN exit 3\): .*returned a non-zero code: 3/);
    expect(brokenLog).toMatch(/Step 2\/2 : RUN exit 3/);
    expect(task(run, 'missing').message).toBe("could not start: tasks.missing.dockerfile: 'env/Nope.Dockerfile' is not a file in the task's work directory ('.') of the pipeline source");

    const bad = { kind: 'Pipeline', name: 'docker-bad', tasks: { t: { command: 'true', dockerfile: '../Dockerfile' } } };
    await expect(p.submit(bad, { localPaths: true, baseDir: src })).rejects.toMatchObject({
      code: 'INVALID_PARAMETER_VALUE',
      problems: [
        { field: 'tasks.t.dockerfile', message: 'only for executor: docker (this task runs on the local executor, which builds no image)' },
        { field: 'tasks.t.dockerfile', message: "'../Dockerfile' leaves the workspace ('..' is not allowed)" },
      ],
    });
  }, 240_000);

  it('a task with a requirements file runs in its base image plus the file; editing the file changes its key', async () => {
    const src = sourceFolder({ 'env/requirements.txt': '# nothing beyond what the base image has\n' });
    dirs.push(src);
    const spec = {
      kind: 'Pipeline',
      name: 'docker-reqs',
      tasks: { t: { command: 'python3 -c "import sklearn; print(\'sklearn here\')"', executor: 'docker', image: TEST_IMAGE, requirements: 'env/requirements.txt', code: [] } },
    };
    const p = server.services.pipelines;
    const run = await finished(p, (await p.submit(spec, { localPaths: true, baseDir: src })).id, 180_000);
    const log = await logOf(server, run.id, 't');
    expect(states(run), log).toEqual({ t: 'succeeded' });
    const built = /building image (trainyard\/build:[0-9a-f]{32}) from env\/requirements.txt installed on top of /.exec(log)?.[1];
    expect(built, log).toBeDefined();
    builtTags.add(built!);
    expect(log).toContain('sklearn here\n');
    expect((await p.plan(spec, { localPaths: true, baseDir: src })).tasks[0]).toMatchObject({ action: 'cached' });
    writeFileSync(join(src, 'env/requirements.txt'), '# still nothing, said differently\n');
    expect((await p.plan(spec, { localPaths: true, baseDir: src })).tasks[0]).toMatchObject({ action: 'run', changed: ['environment'] });
  }, 240_000);

  it('without a Docker daemon, a dry run keys a docker task by its image tag and says so', async () => {
    const home = sourceFolder({});
    dirs.push(home);
    const other = await startTestServer('sqlite', { dockerHost: `unix://${join(home, 'no-docker.sock')}` });
    try {
      const spec = { kind: 'Pipeline', name: 'docker-offline', tasks: { t: { command: 'true', executor: 'docker', image: TEST_IMAGE } } };
      const plan = await other.services.pipelines.plan(spec, { localPaths: true, baseDir: home });
      expect(plan.tasks[0]!.reason).toContain(`no cached result yet; environment: keyed by the image tag '${TEST_IMAGE}' only, as the Docker daemon could not tell the image's identity (cannot reach the Docker daemon at unix://${join(home, 'no-docker.sock')}`);
    } finally {
      await other.close();
    }
  });
});
