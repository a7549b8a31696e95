/**
 * The Docker executor against a real daemon: what runs inside, how it ends (exit codes, the
 * memory limit, cancel), reattaching from a new executor, cleanup, and bad input.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DockerExecutor } from '../../src/executors/docker/index.js';
import type { ExecJob } from '../../src/executors/types.js';
import { eventually } from '../support/processes.js';
import { containerRunning, containersOfJob, docker, ownIds, removeTestContainers, requireDocker, TEST_IMAGE, waitUntilRunning } from './docker-support.js';

const PREFIX = `dkx-${randomBytes(3).toString('hex')}`;

describe('Docker executor', () => {
  let dir: string;
  let counter = 0;
  const executor = new DockerExecutor({ pollMs: 100 });

  beforeAll(async () => {
    await requireDocker();
    dir = mkdtempSync(join(tmpdir(), 'trainyard-docker-'));
  });
  afterAll(async () => {
    await removeTestContainers(PREFIX);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  function job(script: string, extra: Partial<ExecJob> = {}): ExecJob {
    const n = ++counter;
    const workspace = join(dir, `ws${n}`);
    mkdirSync(join(workspace, 'src'), { recursive: true });
    mkdirSync(join(workspace, 'output'), { recursive: true });
    return {
      id: `${PREFIX}-${n}`,
      owner: { kind: 'training', id: `t${n}` },
      argv: ['/bin/sh', '-c', script],
      cwd: join(workspace, 'src'),
      workspace,
      env: { OUT: join(workspace, 'output'), GREETING: 'hello there' },
      logPath: join(workspace, 'training.log'),
      limits: { millicores: 1000, bytes: 256 * 2 ** 20, gpus: 0 },
      requests: { millicores: 500, bytes: 64 * 2 ** 20, gpus: 0 },
      gpuIds: [],
      image: TEST_IMAGE,
      ...extra,
    };
  }
  /** The log without Trainyard's own notes. */
  const output = (j: ExecJob) => readFileSync(j.logPath, 'utf8').replace(/^\[trainyard\] .*\n/gm, '');

  it("runs the command in the image: workspace at its own path, env, working directory, the caller's uid:gid, stdout and stderr in the log", async () => {
    const j = job('echo "cwd=$(pwd)"; echo "ids=$(id -u):$(id -g)"; echo "greeting=$GREETING"; echo model > "$OUT/model.txt"; echo oops >&2; printf "no newline at the end"');
    const handle = await executor.start(j);
    expect(await executor.wait(handle)).toEqual({ exitCode: 0, reason: 'completed', message: 'exited with code 0' });
    // stdout and stderr are two pipes: the daemon keeps each one's order, not their interleaving.
    expect(output(j).replace('oops\n', '')).toBe(`cwd=${j.cwd}\nids=${ownIds()}\ngreeting=hello there\nno newline at the end`);
    expect(output(j)).toContain('oops\n');
    const model = join(j.workspace, 'output', 'model.txt');
    expect(readFileSync(model, 'utf8')).toBe('model\n');
    expect(`${statSync(model).uid}:${statSync(model).gid}`).toBe(ownIds());
    const [container] = await containersOfJob(j.id);
    expect(container!.Labels).toMatchObject({ 'trainyard.job': j.id, 'trainyard.training': j.owner.id, 'trainyard.owner-kind': 'training' });
    const info = await docker.getContainer(container!.Id).inspect();
    expect(info.HostConfig).toMatchObject({ NanoCpus: 1_000_000_000, Memory: 256 * 2 ** 20, NetworkMode: 'host' });
    await executor.cleanup(handle, false);
    expect(await containersOfJob(j.id)).toEqual([]);
  });

  it('runs as the configured user', async () => {
    const other = new DockerExecutor({ user: '4321:4321' });
    const j = job('id -u; touch "$OUT/mine"');
    chmodWorld(j);
    const handle = await other.start(j);
    expect((await other.wait(handle)).reason).toBe('completed');
    expect(output(j)).toBe('4321\n');
    expect(statSync(join(j.workspace, 'output', 'mine')).uid).toBe(4321);
    await other.cleanup(handle, false);
  });

  it("reports the program's exit code, and keeps a failed container only when told to", async () => {
    const keeping = new DockerExecutor({ keepFailed: true });
    const j = job('echo failing; exit 3');
    const handle = await keeping.start(j);
    expect(await keeping.wait(handle)).toEqual({ exitCode: 3, reason: 'failed', message: 'exited with code 3' });
    expect(await keeping.status(handle)).toEqual({ state: 'exited', exit: { exitCode: 3, reason: 'failed', message: 'exited with code 3' } });
    await keeping.cleanup(handle, false);
    expect(await containersOfJob(j.id)).toHaveLength(1);
    await executor.cleanup(handle, false);
    expect(await containersOfJob(j.id)).toEqual([]);
  });

  it('a program that allocates past its memory limit ends with reason oom and a message saying so', async () => {
    const j = job(`python3 -c "import sys; print('allocating', flush=True); b = b'x' * (512 << 20); print('survived')"`, {
      limits: { millicores: 1000, bytes: 64 * 2 ** 20, gpus: 0 },
    });
    const handle = await executor.start(j);
    const exit = await executor.wait(handle);
    expect(exit.reason).toBe('oom');
    expect(exit.message).toMatch(/^killed for exceeding its memory limit of 64Mi/);
    expect(output(j)).toContain('allocating\n');
    expect(output(j)).not.toContain('survived');
    await executor.cleanup(handle, false);
  });

  it('cancel asks with SIGTERM: a program that handles it ends on its own terms', async () => {
    const j = job(`trap 'echo "got TERM"; exit 0' TERM; echo ready; while :; do sleep 0.1; done`);
    const handle = await executor.start(j);
    const exited = executor.wait(handle);
    await eventually('the program to be ready', () => existsSync(j.logPath) && output(j).includes('ready'));
    await executor.cancel(handle, 20_000);
    expect(await exited).toMatchObject({ exitCode: 0, reason: 'completed' });
    expect(output(j)).toBe('ready\ngot TERM\n');
    await executor.cleanup(handle, false);
  });

  it('cancel kills a program that ignores SIGTERM once the grace period is over', async () => {
    const j = job(`trap '' TERM; echo ready; while :; do sleep 0.1; done`);
    const handle = await executor.start(j);
    const exited = executor.wait(handle);
    await eventually('the program to be ready', () => existsSync(j.logPath) && output(j).includes('ready'));
    await executor.cancel(handle, 500);
    expect(await exited).toEqual({ exitCode: null, reason: 'failed', message: 'killed by signal SIGKILL' });
    expect(await containerRunning(String(handle.ref.containerId))).toBe(false);
    await executor.cleanup(handle, false);
  });

  it('a new executor finds a running container by its label, reattaches, copies the rest of its output once, and records its real exit code', async () => {
    const j = job('echo before; while [ ! -e ../gate ]; do sleep 0.05; done; echo after; exit 7');
    const gate = join(j.workspace, 'gate');
    const first = new DockerExecutor();
    await first.start(j);
    const detach = new AbortController();
    const waiting = first.wait((await first.recover(j))!, detach.signal);
    await eventually('the first line', () => existsSync(j.logPath) && output(j) === 'before\n');
    detach.abort();
    await expect(waiting).rejects.toThrow();

    const second = new DockerExecutor();
    const handle = await second.recover(j);
    expect(handle).not.toBeNull();
    await waitUntilRunning(String(handle!.ref.containerId));
    const exited = second.wait(handle!);
    writeFileSync(gate, '');
    expect(await exited).toEqual({ exitCode: 7, reason: 'failed', message: 'exited with code 7' });
    expect(output(j)).toBe('before\nafter\n');
    await second.cleanup(handle!, false);
  });

  it('a container removed while nobody watched ends as lost, with a reason', async () => {
    const j = job('sleep 300');
    const handle = await executor.start(j);
    await docker.getContainer(String(handle.ref.containerId)).remove({ force: true });
    const exit = await new DockerExecutor().wait(handle);
    expect(exit).toMatchObject({ exitCode: null, reason: 'lost' });
    expect(exit.message).toMatch(/^container trainyard-.* no longer exists/);
    expect(await new DockerExecutor().recover(j)).toBeNull();
  });

  it('sweep removes the containers of jobs the queue says are over, and no others', async () => {
    const over = job('exit 0');
    const failed = job('exit 1');
    const unknown = job('exit 0');
    const handles = [];
    for (const j of [over, failed, unknown]) {
      const h = await executor.start(j);
      await executor.wait(h);
      handles.push(h);
    }
    const ended = async (id: string) => id === over.id || id === failed.id;
    const removed = await new DockerExecutor({ keepFailed: true }).sweep(ended);
    expect(removed).toEqual([`trainyard-${over.id}`]);
    expect(await containersOfJob(failed.id)).toHaveLength(1);
    expect(await containersOfJob(unknown.id)).toHaveLength(1);
    expect(await new DockerExecutor().sweep(ended)).toEqual([`trainyard-${failed.id}`]);
    expect(await containersOfJob(unknown.id)).toHaveLength(1);
    await executor.cleanup(handles[2]!, false);
  });

  it('bridge networking points a loopback tracking URI at the host gateway', async () => {
    const bridged = new DockerExecutor({ network: 'bridge' });
    const j = job('echo "$MLFLOW_TRACKING_URI"; getent hosts host.docker.internal | wc -l', { env: { MLFLOW_TRACKING_URI: 'http://127.0.0.1:5000' } });
    const handle = await bridged.start(j);
    expect((await bridged.wait(handle)).reason).toBe('completed');
    expect(output(j)).toBe('http://host.docker.internal:5000\n1\n');
    await bridged.cleanup(handle, false);
  });

  it('an image that is not on the host and cannot be pulled fails the start, naming the image', async () => {
    const j = job('true', { image: 'trainyard-test/no-such-image:1' });
    await expect(executor.start(j)).rejects.toThrow(/spec\.image: image 'trainyard-test\/no-such-image:1' is not on this Docker host and could not be pulled: /);
    expect(await containersOfJob(j.id)).toEqual([]);
  });

  it('a daemon that does not answer fails the start with where it was looked for and how to get one', async () => {
    const missing = new DockerExecutor({ host: `unix://${join(dir, 'no-docker.sock')}` });
    await expect(missing.start(job('true'))).rejects.toThrow(
      new RegExp(`cannot reach the Docker daemon at unix://${join(dir, 'no-docker.sock')} .*\\(ENOENT\\): start dockerd`),
    );
  });

  it('a program the image lacks ends with 127, as a shell reports it', async () => {
    const j = job('true');
    j.argv = ['no-such-program', '--flag'];
    const handle = await executor.start(j);
    expect(await executor.wait(handle)).toEqual({ exitCode: 127, reason: 'failed', message: 'exited with code 127 (command not found)' });
    expect(output(j)).toContain('no-such-program');
    await executor.cleanup(handle, false);
  });
});

/** Another user writes into the test workspace only when its folders allow it. */
function chmodWorld(j: ExecJob): void {
  for (const d of [j.workspace, join(j.workspace, 'src'), join(j.workspace, 'output')]) chmodSync(d, 0o777);
}
