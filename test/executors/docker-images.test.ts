/**
 * Images the Docker executor builds: tagged by the content hash of what goes in, reused when
 * nothing changed, rebuilt when something that goes in did; failures name the step or image.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerExecutor, type LogSink } from '../../src/executors/docker/index.js';
import type { ExecJob } from '../../src/executors/types.js';
import { removeImage, removeTestContainers, requireDocker, TEST_IMAGE } from './docker-support.js';

const PREFIX = `dki-${randomBytes(3).toString('hex')}`;

function memoryLog(): LogSink & { text(): string } {
  const parts: string[] = [];
  return {
    async write(data) {
      parts.push(data.toString());
    },
    async note(text) {
      parts.push(`[trainyard] ${text}\n`);
    },
    text: () => parts.join(''),
  };
}

describe('Docker executor images', () => {
  let dir: string;
  const executor = new DockerExecutor();
  const built = new Set<string>();

  beforeAll(async () => {
    await requireDocker();
    dir = mkdtempSync(join(tmpdir(), 'trainyard-docker-images-'));
  });
  afterAll(async () => {
    await removeTestContainers(PREFIX);
    for (const tag of built) await removeImage(tag);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function project(name: string, files: Record<string, string>): string {
    const root = join(dir, name);
    for (const [path, content] of Object.entries(files)) {
      mkdirSync(join(root, path, '..'), { recursive: true });
      writeFileSync(join(root, path), content);
    }
    return root;
  }

  async function resolve(source: Parameters<DockerExecutor['images']['resolve']>[0]) {
    const log = memoryLog();
    const image = await executor.images.resolve(source, log);
    built.add(image.ref);
    return { image, log: log.text() };
  }

  it('builds from a Dockerfile once; the same inputs hit the cache, and only what the build copies changes the tag', async () => {
    const context = project('app', {
      Dockerfile: `FROM ${TEST_IMAGE}\nCOPY app/ /opt/app/\nRUN cat /opt/app/version.txt\n`,
      'app/version.txt': 'v1\n',
      'app/secret.txt': 'ignored\n',
      // Ignoring the Dockerfile itself is common: the daemon still gets it, as with `docker build`.
      '.dockerignore': 'app/secret.txt\nDockerfile\n.dockerignore\n',
      'notes.md': 'not copied\n',
    });
    const source = { kind: 'dockerfile' as const, context, dockerfile: 'Dockerfile' };
    const first = await resolve(source);
    expect(first.image).toMatchObject({ cacheHit: false });
    expect(first.image.ref).toMatch(/^trainyard\/build:[0-9a-f]{32}$/);
    expect(first.log).toContain(`[trainyard] building image ${first.image.ref} from Dockerfile Dockerfile`);
    expect(first.log).toMatch(/Step 3\/3 : RUN cat \/opt\/app\/version.txt\n[\s\S]*v1\n/);

    const again = await resolve(source);
    expect(again.image).toEqual({ ...first.image, cacheHit: true });
    expect(again.log).toBe(`[trainyard] image cache hit: ${first.image.ref} (Dockerfile Dockerfile); nothing to build\n`);

    writeFileSync(join(context, 'notes.md'), 'edited, but not copied\n');
    writeFileSync(join(context, 'app/secret.txt'), 'edited, but ignored\n');
    expect((await resolve(source)).image).toMatchObject({ ref: first.image.ref, cacheHit: true });

    writeFileSync(join(context, 'app/version.txt'), 'v2\n');
    const changed = await resolve(source);
    expect(changed.image.cacheHit).toBe(false);
    expect(changed.image.ref).not.toBe(first.image.ref);
    expect(changed.log).toContain('v2\n');
  }, 120_000);

  it('two jobs needing the same new image wait for one build', async () => {
    const context = project('shared', { Dockerfile: `FROM ${TEST_IMAGE}\nRUN echo ${PREFIX}-shared\n` });
    const source = { kind: 'dockerfile' as const, context, dockerfile: 'Dockerfile' };
    const [a, b] = await Promise.all([resolve(source), resolve(source)]);
    expect(a.image.ref).toBe(b.image.ref);
    expect([a.log, b.log].filter((l) => l.includes('building image'))).toHaveLength(1);
    expect([a.log, b.log].filter((l) => l.includes('waiting for the build'))).toHaveLength(1);
  }, 120_000);

  it('a Dockerfile that fails to build names the failing step', async () => {
    const context = project('broken', { 'docker/Dockerfile': `FROM ${TEST_IMAGE}\nRUN echo one\nRUN echo two && exit 3\nRUN echo never\n` });
    const log = memoryLog();
    await expect(executor.images.resolve({ kind: 'dockerfile', context, dockerfile: 'docker/Dockerfile' }, log)).rejects.toThrow(
      /^Dockerfile docker\/Dockerfile: the image build failed at step 3\/4 \(RUN echo two && exit 3\): The command '\/bin\/sh -c echo two && exit 3' returned a non-zero code: 3$/,
    );
    expect(log.text()).toContain('two\n');
    expect(log.text()).not.toContain('never');
  }, 120_000);

  it('a base image that is not on the host and cannot be pulled is named with its Dockerfile line', async () => {
    const context = project('nobase', { Dockerfile: '# base\nFROM trainyard-test/no-such-base:1\nRUN true\n' });
    await expect(executor.images.resolve({ kind: 'dockerfile', context, dockerfile: 'Dockerfile' }, memoryLog())).rejects.toThrow(
      /^Dockerfile line 2: image 'trainyard-test\/no-such-base:1' is not on this Docker host and could not be pulled: /,
    );
  });

  it('a requirements file without packages adds nothing and still runs; its image is reused', async () => {
    const context = project('noreqs', { 'requirements.txt': '# nothing beyond what the base image has\n' });
    const source = { kind: 'requirements' as const, context, requirements: 'requirements.txt', base: TEST_IMAGE };
    const first = await resolve(source);
    expect(first.log).toContain(`building image ${first.image.ref} from requirements.txt installed on top of ${TEST_IMAGE}`);
    expect((await resolve(source)).image.cacheHit).toBe(true);
  }, 120_000);

  it('a requirements file may install a local wheel of the source (offline, --no-index), and the job imports it', async () => {
    const context = project('wheel', {
      'env/requirements.txt': '--no-index\n./wheels/trainyard_probe-1.0-py3-none-any.whl\n',
      'train.sh': 'python3 -c "import trainyard_probe; print(trainyard_probe.VALUE)"\n',
    });
    writeWheel(join(context, 'env', 'wheels'));
    const workspace = join(dir, 'wheel-ws');
    mkdirSync(workspace, { recursive: true });
    const job: ExecJob = {
      id: `${PREFIX}-wheel`,
      owner: { kind: 'training', id: 'wheel' },
      argv: ['/bin/sh', 'train.sh'],
      cwd: context,
      workspace: dir,
      env: {},
      logPath: join(workspace, 'training.log'),
      limits: { millicores: 1000, bytes: 256 * 2 ** 20, gpus: 0 },
      requests: { millicores: 500, bytes: 64 * 2 ** 20, gpus: 0 },
      gpuIds: [],
      image: TEST_IMAGE,
      build: { context, requirements: 'env/requirements.txt' },
    };
    const handle = await executor.start(job);
    expect(await executor.wait(handle)).toMatchObject({ reason: 'completed' });
    const log = readFileSync(job.logPath, 'utf8');
    expect(log).toContain('Successfully installed trainyard-probe-1.0');
    expect(log.endsWith('probe 42\n')).toBe(true);
    const tag = /building image (trainyard\/build:[0-9a-f]+)/.exec(log)![1]!;
    built.add(tag);
    await executor.cleanup(handle, false);
  }, 120_000);
});

/** A minimal pure-Python wheel, made here because nothing can be downloaded. */
function writeWheel(into: string): void {
  mkdirSync(into, { recursive: true });
  const script = `
import base64, hashlib, sys, zipfile
files = {
  "trainyard_probe.py": "VALUE = 'probe 42'\\n",
  "trainyard_probe-1.0.dist-info/METADATA": "Metadata-Version: 2.1\\nName: trainyard-probe\\nVersion: 1.0\\n",
  "trainyard_probe-1.0.dist-info/WHEEL": "Wheel-Version: 1.0\\nGenerator: trainyard-test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
record = []
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for name, text in files.items():
        data = text.encode()
        z.writestr(name, data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
        record.append(f"{name},sha256={digest},{len(data)}")
    record.append("trainyard_probe-1.0.dist-info/RECORD,,")
    z.writestr("trainyard_probe-1.0.dist-info/RECORD", "\\n".join(record) + "\\n")
`;
  execFileSync('python3', ['-c', script, join(into, 'trainyard_probe-1.0-py3-none-any.whl')]);
}
