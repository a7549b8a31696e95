/**
 * Pipeline tasks with `executor: docker` through a real server, run as trainings are: in the
 * task's image or its MLproject's docker_env image, with the docker_env's variables, the image's
 * PATH and a writable HOME instead of the server's, and Trainyard's Python module mounted.
 */
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { finished, sourceFolder, states, task } from '../pipelines/support.js';
import { docker, requireDocker, TEST_IMAGE } from './docker-support.js';

async function logOf(server: TestServer, run: string, name: string): Promise<string> {
  let text = '';
  for await (const chunk of server.services.pipelines.logs(run, name)) text += chunk.toString();
  return text;
}

describe('pipeline tasks in Docker', () => {
  let server: TestServer;
  let dir: string | undefined;

  beforeAll(async () => {
    await requireDocker();
    server = await startTestServer('sqlite');
  });
  afterAll(async () => {
    await server?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

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
});
