import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, isRunning, killGroups, readPids } from '../../test/support/processes.js';
import { REPO } from '../../test/support/server-process.js';
import { exitFileOf, fromStatus, LocalExecutor } from './local.js';
import type { ExecJob } from './types.js';

let dir: string;
const groups: number[] = [];
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'trainyard-local-'));
});
afterEach(async () => {
  await killGroups(groups.splice(0));
  rmSync(dir, { recursive: true, force: true });
});

/** An executor whose jobs are killed after each test, whatever the test did. */
function executor(options: ConstructorParameters<typeof LocalExecutor>[0] = {}): LocalExecutor {
  const exec = new LocalExecutor(options);
  const start = exec.start.bind(exec);
  exec.start = async (j) => {
    const handle = await start(j);
    groups.push(Number(handle.ref.pgid));
    return handle;
  };
  return exec;
}

function job(script: string, extra: Partial<ExecJob> = {}): ExecJob {
  return {
    id: 'j1',
    owner: { kind: 'training', id: 't1' },
    argv: ['/bin/sh', '-c', script],
    cwd: dir,
    workspace: dir,
    env: { PATH: '/usr/bin:/bin', GREETING: 'hello' },
    logPath: join(dir, 'logs', 'job.log'),
    limits: { millicores: 1000, bytes: 1 << 20, gpus: 0 },
    requests: { millicores: 1000, bytes: 1 << 20, gpus: 0 },
    gpuIds: [],
    ...extra,
  };
}

describe('LocalExecutor', () => {
  it('runs the program in its cwd with exactly its env, logs stdout and stderr, and reports exit code 0', async () => {
    const exec = executor();
    const j = job('echo "out $GREETING in $(pwd)"; echo err >&2; echo "cuda=[$CUDA_VISIBLE_DEVICES] home=[${HOME-unset}]"');
    const handle = await exec.start(j);
    const exit = await exec.wait(handle);
    expect(exit).toEqual({ exitCode: 0, reason: 'completed', message: 'exited with code 0' });
    expect(readFileSync(j.logPath, 'utf8')).toBe(`out hello in ${dir}\nerr\ncuda=[] home=[unset]\n`);
    expect(await exec.status(handle)).toEqual({ state: 'exited', exit });
  });

  it('reports a failing exit code and a missing command', async () => {
    const exec = executor();
    expect(await exec.wait(await exec.start(job('exit 3')))).toEqual({ exitCode: 3, reason: 'failed', message: 'exited with code 3' });
    const missing = job('', { argv: ['no-such-program-xyz'], logPath: join(dir, 'missing.log') });
    expect(await exec.wait(await exec.start(missing))).toMatchObject({ exitCode: 127, message: 'exited with code 127 (command not found)' });
    expect(readFileSync(missing.logPath, 'utf8')).toContain('no-such-program-xyz');
  });

  it('sets CUDA_VISIBLE_DEVICES to the reserved GPUs, overriding the job env', async () => {
    const exec = executor();
    const j = job('echo "cuda=$CUDA_VISIBLE_DEVICES"', { gpuIds: ['1', '3'], env: { CUDA_VISIBLE_DEVICES: '0,1,2,3' } });
    await exec.wait(await exec.start(j));
    expect(readFileSync(j.logPath, 'utf8')).toBe('cuda=1,3\n');
  });

  it('refuses a working directory that does not exist, naming it', async () => {
    const exec = executor();
    await expect(exec.start(job('true', { cwd: join(dir, 'nope') }))).rejects.toThrow(`'${join(dir, 'nope')}' does not exist`);
  });

  it('cancel ends the whole process tree, also grandchildren that ignore SIGTERM', async () => {
    const exec = executor();
    const pidsFile = join(dir, 'pids');
    const script = `trap '' TERM; echo $$ > ${pidsFile}; (trap '' TERM; sleep 300) & echo $! >> ${pidsFile}; sleep 300 & echo $! >> ${pidsFile}; wait`;
    const handle = await exec.start(job(script));
    const pids = await readPids(pidsFile, 3);
    expect(pids.every(isRunning)).toBe(true);
    await exec.cancel(handle, 300);
    expect(pids.filter(isRunning)).toEqual([]);
    expect(await exec.wait(handle)).toEqual({ exitCode: null, reason: 'failed', message: 'killed by signal SIGKILL' });
  });

  it('cancel lets a program that handles SIGTERM exit by itself within the grace period', async () => {
    const exec = executor();
    const ready = join(dir, 'ready');
    const j = job(`trap 'echo stopping; exit 5' TERM; touch ${ready}; while :; do sleep 0.05; done`);
    const handle = await exec.start(j);
    await eventually('the job to trap SIGTERM', () => existsSync(ready));
    await exec.cancel(handle, 20_000);
    expect(await exec.wait(handle)).toEqual({ exitCode: 5, reason: 'failed', message: 'exited with code 5' });
    expect(readFileSync(j.logPath, 'utf8')).toContain('stopping');
  });

  it('a later executor (a restarted server) waits for a running job and gets its real exit code', async () => {
    const first = executor();
    const gate = join(dir, 'gate');
    const j = job(`while [ ! -e ${gate} ]; do sleep 0.02; done; exit 4`);
    const handle = await first.start(j);
    const second = executor({ pollMs: 20 });
    expect(await second.status(handle)).toEqual({ state: 'running' });
    const waiting = second.wait(handle);
    writeFileSync(gate, '');
    expect(await waiting).toEqual({ exitCode: 4, reason: 'failed', message: 'exited with code 4' });
    expect(await second.recover(j)).toEqual(handle);
  });

  it('reports a job whose process died with its wrapper while no server watched as lost', async () => {
    const first = executor();
    const j = job('sleep 300');
    const handle = await first.start(j);
    process.kill(-Number(handle.ref.pgid), 'SIGKILL');
    const second = executor({ pollMs: 20 });
    const exit = await second.wait(handle);
    expect(exit.reason).toBe('lost');
    expect(exit.message).toContain('ended while the server was down');
    expect(existsSync(exitFileOf(j.logPath))).toBe(false);
  });

  it('does not mistake a reused pid for the job', async () => {
    const exec = executor({ pollMs: 20 });
    const handle = await exec.start(job('sleep 300'));
    const forged = { ...handle, ref: { ...handle.ref, startTime: '1' } };
    expect(await exec.status(forged)).toMatchObject({ state: 'exited' });
    await exec.cancel(forged, 100);
    expect(isRunning(Number(handle.ref.pid))).toBe(true);
    await exec.cancel(handle, 100);
    expect(isRunning(Number(handle.ref.pid))).toBe(false);
  });

  it('keeps a process that only waits for its job alive until the job ends', async () => {
    const j = job('sleep 0.3; exit 4');
    const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'test/jobs/wait-only.ts'), JSON.stringify(j)], { cwd: REPO });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    await once(child, 'exit');
    expect(JSON.parse(out)).toEqual({ exitCode: 4, reason: 'failed', message: 'exited with code 4' });
  }, 120_000);

  it('cleanup removes the exit and handle files unless kept', async () => {
    const exec = executor();
    const j = job('true');
    const handle = await exec.start(j);
    await exec.wait(handle);
    expect(existsSync(exitFileOf(j.logPath))).toBe(true);
    await exec.cleanup(handle, false);
    expect(existsSync(exitFileOf(j.logPath))).toBe(false);
    expect(await exec.recover(j)).toBeNull();
  });
});

describe('fromStatus', () => {
  it('reads shell statuses above 128 as signals', () => {
    expect(fromStatus(137)).toEqual({ exitCode: null, reason: 'failed', message: 'killed by signal SIGKILL' });
    expect(fromStatus(143).message).toBe('killed by signal SIGTERM');
    expect(fromStatus(2)).toEqual({ exitCode: 2, reason: 'failed', message: 'exited with code 2' });
  });
});
