/**
 * Runs jobs as processes on this machine. Each job gets its own session and process group, so
 * cancel reaches every process it spawned, and writes straight to its log file through inherited
 * file descriptors: nothing is piped through the server, so a job outlives a server crash and
 * keeps its output. A tiny /bin/sh wrapper records the program's exit status in a file beside the
 * log; with the pid and the process start time in the handle, a later server process can tell
 * whether the job still runs and how it ended.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { constants, hostname } from 'node:os';
import { dirname } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { invalid } from '../errors.js';
import { groupMembers, processAlive, processStartTime, readProcStat, signalGroup } from './processes.js';
import type { ExecHandle, ExecJob, ExecStatus, Executor, ExitInfo } from './types.js';

export interface LocalExecutorOptions {
  name?: string;
  /** How often a job started by an earlier server process is checked for liveness. */
  pollMs?: number;
  /** Default grace between SIGTERM and SIGKILL for callers that do not pass one. */
  graceMs?: number;
}

/**
 * Traps (not ignores: ignored signals would be inherited by the program) TERM/INT/HUP so that
 * the wrapper outlives the group-wide SIGTERM of a cancel and still records the program's status.
 * The rename makes the exit file appear whole or not at all.
 */
const WRAPPER = [
  'exit_file=$1; shift',
  "trap ':' TERM INT HUP",
  '"$@"',
  'code=$?',
  'printf \'%s\\n\' "$code" > "$exit_file.tmp" && mv -f "$exit_file.tmp" "$exit_file"',
  'exit "$code"',
].join('\n');

interface LocalRef {
  pid: number;
  pgid: number;
  startTime: string;
  host: string;
  exitFile: string;
}

interface ChildExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export function exitFileOf(logPath: string): string {
  return `${logPath}.exit`;
}
export function handleFileOf(logPath: string): string {
  return `${logPath}.handle.json`;
}

export class LocalExecutor implements Executor {
  readonly name: string;
  readonly graceMs: number;
  private readonly pollMs: number;
  private readonly host = hostname();
  /** Children this process spawned: their exit event is immediate and tells how the wrapper died. */
  private readonly children = new Map<number, { startTime: string; exited: Promise<ChildExit>; child: ChildProcess; waiters: number }>();

  constructor(options: LocalExecutorOptions = {}) {
    this.name = options.name ?? 'local';
    this.pollMs = options.pollMs ?? 250;
    this.graceMs = options.graceMs ?? 10_000;
  }

  async start(job: ExecJob): Promise<ExecHandle> {
    if (!existsSync(job.cwd) || !statSync(job.cwd).isDirectory()) {
      throw invalid(`The job's working directory '${job.cwd}' does not exist`);
    }
    mkdirSync(dirname(job.logPath), { recursive: true });
    const exitFile = exitFileOf(job.logPath);
    rmSync(exitFile, { force: true });
    rmSync(handleFileOf(job.logPath), { force: true });
    const env = { ...job.env, CUDA_VISIBLE_DEVICES: job.gpuIds.join(',') };
    const fd = openSync(job.logPath, 'a');
    let pid: number | undefined;
    let child: ChildProcess;
    try {
      child = spawn('/bin/sh', ['-c', WRAPPER, 'trainyard-job', exitFile, ...job.argv], {
        cwd: job.cwd,
        env,
        detached: true,
        stdio: ['ignore', fd, fd],
      });
      pid = child.pid;
      if (pid === undefined) {
        const err = await new Promise<Error>((resolve) => child!.once('error', resolve));
        throw new Error(`Could not start the job: ${err.message}`);
      }
    } finally {
      closeSync(fd);
    }
    // Read before the event loop can reap the wrapper, so even an instant exit has a start time.
    const startTime = processStartTime(pid);
    const exited = new Promise<ChildExit>((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
    // Unreferenced so a server can exit while jobs run; wait() references it while someone waits.
    child.unref();
    this.children.set(pid, { startTime, exited, child, waiters: 0 });
    const handle: ExecHandle = { executor: this.name, ref: { pid, pgid: pid, startTime, host: this.host, exitFile } };
    // Lets recover() find the job if the server dies before the dispatcher records the handle.
    writeFileSync(handleFileOf(job.logPath), JSON.stringify(handle));
    return handle;
  }

  async recover(job: ExecJob): Promise<ExecHandle | null> {
    try {
      const handle = JSON.parse(readFileSync(handleFileOf(job.logPath), 'utf8')) as ExecHandle;
      toRef(handle);
      return handle;
    } catch {
      return null;
    }
  }

  async status(handle: ExecHandle): Promise<ExecStatus> {
    const ref = toRef(handle);
    if (ref.host !== this.host) return { state: 'exited', exit: this.elsewhere(ref) };
    if (processAlive(ref.pid, ref.startTime)) return { state: 'running' };
    return { state: 'exited', exit: await this.exitOf(ref) };
  }

  async wait(handle: ExecHandle, signal?: AbortSignal): Promise<ExitInfo> {
    const ref = toRef(handle);
    if (ref.host !== this.host) return this.elsewhere(ref);
    const live = this.children.get(ref.pid);
    if (live && live.startTime === ref.startTime) {
      if (live.waiters++ === 0) live.child.ref();
      try {
        await abortable(live.exited, signal);
      } finally {
        if (--live.waiters === 0) live.child.unref();
      }
    } else {
      while (processAlive(ref.pid, ref.startTime)) await sleep(this.pollMs, undefined, { signal });
    }
    // Whatever the program left running in its group ends with it, as in a container.
    if (groupMembers(ref.pgid).length > 0) signalGroup(ref.pgid, 'SIGKILL');
    return this.exitOf(ref);
  }

  async cancel(handle: ExecHandle, graceMs: number = this.graceMs): Promise<void> {
    const ref = toRef(handle);
    if (ref.host !== this.host || !groupAlive(ref)) return;
    signalGroup(ref.pgid, 'SIGTERM');
    const deadline = Date.now() + graceMs;
    while (Date.now() < deadline) {
      await sleep(Math.min(100, Math.max(1, deadline - Date.now())));
      if (!groupAlive(ref)) return;
    }
    signalGroup(ref.pgid, 'SIGKILL');
    for (let i = 0; i < 100 && groupAlive(ref); i++) await sleep(50);
  }

  async cleanup(handle: ExecHandle, keep: boolean): Promise<void> {
    const ref = toRef(handle);
    this.children.delete(ref.pid);
    if (keep) return;
    rmSync(ref.exitFile, { force: true });
    rmSync(ref.exitFile.replace(/\.exit$/, '.handle.json'), { force: true });
  }

  private async exitOf(ref: LocalRef): Promise<ExitInfo> {
    const status = readExitFile(ref.exitFile);
    if (status !== undefined) return fromStatus(status);
    const live = this.child(ref);
    const childExit = live ? await live : undefined;
    if (childExit?.signal) {
      return { exitCode: null, reason: 'failed', message: `killed by signal ${childExit.signal}` };
    }
    if (childExit && childExit.code !== null) return fromStatus(childExit.code);
    return {
      exitCode: null,
      reason: 'lost',
      message: 'the process ended while the server was down and left no exit status (it was killed together with its wrapper)',
    };
  }

  /** The exit of a process this executor spawned, when `ref` names that very process. */
  private child(ref: LocalRef): Promise<ChildExit> | undefined {
    const entry = this.children.get(ref.pid);
    return entry && entry.startTime === ref.startTime ? entry.exited : undefined;
  }

  private elsewhere(ref: LocalRef): ExitInfo {
    return {
      exitCode: null,
      reason: 'lost',
      message: `the job ran on host '${ref.host}', whose worker stopped; this host ('${this.host}') cannot reach its process`,
    };
  }
}

/** Shell convention: a status above 128 is death by signal (status - 128). */
export function fromStatus(status: number): ExitInfo {
  if (status === 0) return { exitCode: 0, reason: 'completed', message: 'exited with code 0' };
  if (status > 128) {
    const name = Object.entries(constants.signals).find(([, n]) => n === status - 128)?.[0];
    if (name) return { exitCode: null, reason: 'failed', message: `killed by signal ${name}` };
  }
  const hint = status === 127 ? ' (command not found)' : status === 126 ? ' (command not executable)' : '';
  return { exitCode: status, reason: 'failed', message: `exited with code ${status}${hint}` };
}

function readExitFile(path: string): number | undefined {
  try {
    const text = readFileSync(path, 'utf8').trim();
    return /^\d+$/.test(text) ? Number(text) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether anything of the job's group still runs; a reused leader pid means the group is not ours. */
function groupAlive(ref: LocalRef): boolean {
  const leader = readProcStat(ref.pid);
  if (leader && leader.state !== 'Z' && ref.startTime !== '' && leader.startTime !== ref.startTime) return false;
  return groupMembers(ref.pgid).length > 0;
}

function toRef(handle: ExecHandle): LocalRef {
  const { pid, pgid, startTime, host, exitFile } = handle.ref;
  if (typeof pid !== 'number' || typeof pgid !== 'number' || typeof startTime !== 'string' || typeof host !== 'string' || typeof exitFile !== 'string') {
    throw invalid(`Not a local executor handle: ${JSON.stringify(handle)}`);
  }
  return { pid, pgid, startTime, host, exitFile };
}

function abortable<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (!signal) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
