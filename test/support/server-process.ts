/**
 * A Trainyard server as its own OS process, started through the real CLI (`trainyard server`),
 * for tests and benchmarks that need what only a separate process shows: signals, crashes,
 * memory, and a client that does not share the server's event loop.
 */
import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = fileURLToPath(new URL('../..', import.meta.url));

/** Compiled JavaScript (what ships, e.g. from `npm run build`), or the TypeScript source through tsx. */
export type ServerEntry = { compiled: string } | { source: true };

export interface ServerProcessOptions {
  storeUri: string;
  /** Scratch folder: artifacts, TRAINYARD_HOME and the server's log go here. */
  dir: string;
  entry?: ServerEntry;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  nodeFlags?: string[];
  logLevel?: string;
  /** A fixed port, e.g. to restart a server where its trainings expect it (default: a free one). */
  port?: number;
}

export interface ServerProcess {
  url: string;
  pid: number;
  logFile: string;
  /** Resident set size of the server process, bytes (VmRSS from /proc). */
  rss(): number;
  /** CPU time the server process has used so far, seconds (user + system, from /proc). */
  cpuSeconds(): number;
  /** Sends a signal; `exited` settles when the process is gone. */
  kill(signal: NodeJS.Signals): void;
  /** Exit code, or the signal name that ended the process. */
  exited: Promise<number | NodeJS.Signals>;
  /** SIGTERM (if still running) and wait for the process to end. */
  stop(): Promise<number | NodeJS.Signals>;
  log(): string;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

export async function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const port = options.port ?? (await freePort());
  const logFile = join(options.dir, `server-${port}.log`);
  const logStream = createWriteStream(logFile);
  const entry = options.entry ?? { source: true };
  // `node --import tsx` rather than the tsx CLI: the tsx CLI forks, and the pid must be the server's.
  const main = 'compiled' in entry ? [entry.compiled] : ['--import', 'tsx', join(REPO, 'src/cli/main.ts')];
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      ...main,
      'server',
      '--port',
      String(port),
      '--backend-store-uri',
      options.storeUri,
      '--artifacts-destination',
      join(options.dir, 'artifacts'),
    ],
    {
      cwd: REPO,
      env: { ...process.env, TRAINYARD_HOME: join(options.dir, 'home'), TRAINYARD_LOG_LEVEL: options.logLevel ?? 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.pipe(logStream, { end: false });
  child.stderr!.pipe(logStream, { end: false });
  const exited = new Promise<number | NodeJS.Signals>((resolve) =>
    child.once('exit', (code, signal) => {
      logStream.end();
      resolve(code ?? signal!);
    }),
  );
  const log = () => readFileSync(logFile, 'utf8');
  const url = `http://127.0.0.1:${port}`;
  let alive = true;
  void exited.then(() => (alive = false));
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (!alive || Date.now() > deadline) {
      child.kill('SIGKILL');
      await exited;
      throw new Error(`Trainyard server did not become healthy; its log (${logFile}):\n${log().slice(-4000)}`);
    }
    const ok = await fetch(`${url}/health`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  return {
    url,
    pid: child.pid!,
    logFile,
    rss: () => rssOf(child.pid!),
    cpuSeconds: () => cpuSecondsOf(child.pid!),
    kill: (signal) => void child.kill(signal),
    exited,
    async stop() {
      if (alive) child.kill('SIGTERM');
      return exited;
    },
    log,
  };
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}

/** utime + stime of a process, seconds; Linux reports them in USER_HZ ticks, 100 per second. */
export function cpuSecondsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may hold spaces; fields after it are plain numbers.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}
