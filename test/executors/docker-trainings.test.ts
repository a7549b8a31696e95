/**
 * Trainings with `executor: docker` through a real server: the Python examples in the base image
 * (iris from a requirements build that the second run reuses; wine's MLproject with a docker_env),
 * the memory limit, and bad input that fails one training while the server keeps serving.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yauzl from 'yauzl';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { EXAMPLES, exampleManifest, waitForState } from '../trainings/support.js';
import { removeImage, requireDocker, TEST_IMAGE } from './docker-support.js';

function zipEntries(bytes: Buffer): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.fromBuffer(bytes, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('trainings in Docker', () => {
  let server: TestServer;
  let http: Http;
  let dir: string;
  const builtTags = new Set<string>();

  beforeAll(async () => {
    await requireDocker();
    dir = mkdtempSync(join(tmpdir(), 'trainyard-docker-trainings-'));
    server = await startTestServer('sqlite');
    http = new Http(server.url);
  });
  afterAll(async () => {
    await server?.close();
    for (const tag of builtTags) await removeImage(tag);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A copy of an example to change freely; manifests point their local source at it. */
  function copyExample(name: string): string {
    const copy = join(dir, name);
    cpSync(join(EXAMPLES, name), copy, { recursive: true });
    return copy;
  }

  async function logOf(id: string): Promise<string> {
    let text = '';
    for await (const chunk of server.services.trainings.logs(id)) text += chunk.toString();
    return text;
  }

  it('iris: model.pkl lands in the result archive; the second run reuses the built image and builds nothing', async () => {
    const t = server.services.trainings;
    const baseDir = copyExample('iris');
    // Already in the base image: pip only confirms them, which works without an index.
    writeFileSync(join(baseDir, 'requirements.txt'), 'scikit-learn\npandas\n');
    const { manifest } = exampleManifest('iris', (m) => {
      m.id = 'iris-docker';
      Object.assign(m.spec, { executor: 'docker', image: TEST_IMAGE, requirements: 'requirements.txt' });
    });
    await t.create(manifest, { localPaths: true, baseDir });
    const done = await waitForState(t, 'iris-docker', undefined, 180_000);
    expect(done.status, JSON.stringify(done.status)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const firstLog = await logOf('iris-docker');
    const tag = /\[trainyard\] building image (trainyard\/build:[0-9a-f]{32}) from requirements.txt installed on top of/.exec(firstLog)?.[1];
    expect(tag, firstLog).toBeDefined();
    builtTags.add(tag!);
    expect(firstLog).toContain('Requirement already satisfied: scikit-learn');

    const artifact = done.status.artifacts[0]!;
    const res = await fetch(`${server.url}/get-artifact?run_uuid=${done.status.runId}&path=${encodeURIComponent(`results/${artifact.artifactName}`)}`);
    expect(res.status).toBe(200);
    expect(await zipEntries(Buffer.from(await res.arrayBuffer()))).toContain('output/model.pkl');
    const run = (await http.get(ml('/runs/get'), { run_id: done.status.runId })).body.run;
    expect(run.data.metrics.map((m: any) => m.key)).toContain('accuracy');

    await t.edit(manifest, { localPaths: true, baseDir });
    const again = await waitForState(t, 'iris-docker', undefined, 180_000);
    expect(again.status).toMatchObject({ state: 'succeeded', generation: 2 });
    const secondLog = await logOf('iris-docker');
    expect(secondLog).toContain(`[trainyard] image cache hit: ${tag}`);
    expect(secondLog).not.toContain('building image');
    expect(secondLog).not.toContain('Step 1/');
  }, 400_000);

  it("wine: an MLproject whose docker_env names the image and an environment variable runs in it", async () => {
    const t = server.services.trainings;
    const baseDir = copyExample('wine');
    const project = readFileSync(join(baseDir, 'MLproject'), 'utf8').replace(
      'python_env: python_env.yaml',
      `docker_env:\n  image: ${TEST_IMAGE}\n  environment: [["WINE_RUNS_IN", "docker"]]`,
    );
    writeFileSync(join(baseDir, 'MLproject'), project.replace('command: "python3 train.py', 'command: "echo runs in $WINE_RUNS_IN && python3 train.py'));
    const { manifest } = exampleManifest('wine', (m) => {
      m.id = 'wine-docker';
      m.spec.executor = 'docker';
    });
    await t.create(manifest, { localPaths: true, baseDir });
    const done = await waitForState(t, 'wine-docker', undefined, 180_000);
    expect(done.status, JSON.stringify(done.status)).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const log = await logOf('wine-docker');
    expect(log).toContain(`from ${TEST_IMAGE}, network host`);
    expect(log).toContain('runs in docker\n');
    const run = (await http.get(ml('/runs/get'), { run_id: done.status.runId })).body.run;
    expect(run.data.metrics.map((m: any) => m.key).sort()).toEqual(['mae', 'r2', 'rmse']);
  }, 240_000);

  it('a training that allocates past its memory limit fails with OOMKilled and says it was killed for memory', async () => {
    const t = server.services.trainings;
    const { manifest, baseDir } = exampleManifest('iris', (m) => {
      m.id = 'greedy';
      m.spec.command = `python3 -c "b = b'x' * (512 << 20)"`;
      m.spec.resources = { requests: { cpu: '500m', memory: '32Mi' }, limits: { cpu: '1', memory: '64Mi' } };
      Object.assign(m.spec, { executor: 'docker', image: TEST_IMAGE });
    });
    await t.create(manifest, { localPaths: true, baseDir });
    const done = await waitForState(t, 'greedy', undefined, 120_000);
    expect(done.status).toMatchObject({ state: 'failed', reason: 'OOMKilled' });
    expect(done.status.message).toMatch(/^killed for exceeding its memory limit of 64Mi/);
  }, 150_000);

  it('an image that cannot be found and a Dockerfile that fails each fail their training with a clear message; the server keeps serving', async () => {
    const t = server.services.trainings;
    const { manifest: missing, baseDir } = exampleManifest('iris', (m) => {
      m.id = 'no-image';
      Object.assign(m.spec, { executor: 'docker', image: 'trainyard-test/no-such-image:1' });
    });
    await t.create(missing, { localPaths: true, baseDir });
    const brokenDir = copyExample('iris');
    writeFileSync(join(brokenDir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nRUN pip-does-not-exist install things\n`);
    const { manifest: broken } = exampleManifest('iris', (m) => {
      m.id = 'bad-dockerfile';
      Object.assign(m.spec, { executor: 'docker', dockerfile: 'Dockerfile' });
    });
    await t.create(broken, { localPaths: true, baseDir: brokenDir });

    const noImage = await waitForState(t, 'no-image', undefined, 120_000);
    expect(noImage.status.state).toBe('failed');
    expect(noImage.status.message).toMatch(/image 'trainyard-test\/no-such-image:1' is not on this Docker host and could not be pulled/);
    const badBuild = await waitForState(t, 'bad-dockerfile', undefined, 120_000);
    expect(badBuild.status.state).toBe('failed');
    expect(badBuild.status.message).toMatch(/the image build failed at step 2\/2 \(RUN pip-does-not-exist install things\): .*returned a non-zero code: 127/);
    expect((await http.get(ml('/experiments/search'), { max_results: 10 })).status).toBe(200);
  }, 150_000);

  it('with no Docker daemon, a docker training fails saying how to get one, and local trainings on the same server still run', async () => {
    const other = await startTestServer('sqlite', { dockerHost: `unix://${join(dir, 'no-docker.sock')}` });
    try {
      const t = other.services.trainings;
      const { manifest, baseDir } = exampleManifest('quickstart', (m) => {
        m.id = 'needs-docker';
        Object.assign(m.spec, { executor: 'docker', image: TEST_IMAGE });
      });
      await t.create(manifest, { localPaths: true, baseDir });
      const failed = await waitForState(t, 'needs-docker');
      expect(failed.status.state).toBe('failed');
      expect(failed.status.message).toContain(`cannot reach the Docker daemon at unix://${join(dir, 'no-docker.sock')}`);
      expect(failed.status.message).toContain('start dockerd');

      const local = exampleManifest('quickstart', (m) => (m.id = 'still-local'));
      await t.create(local.manifest, { localPaths: true, baseDir: local.baseDir });
      expect((await waitForState(t, 'still-local')).status.state).toBe('succeeded');
    } finally {
      await other.close();
    }
  }, 120_000);
});
