/**
 * A Trainyard server as a separate OS process, the way it runs in production: the bench never
 * shares a process (or an event loop) with the server it measures.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const REPO = fileURLToPath(new URL('..', import.meta.url));

export interface ServerOptions {
  storeUri: string;
  /** Scratch folder: artifacts, TRAINYARD_HOME and the server's log go here. */
  dir: string;
  /** The CLI to run: compiled JavaScript (what ships), or the TypeScript source through tsx. */
  entry: ServerEntry;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir=...']. */
  nodeFlags?: string[];
}

export type ServerEntry = { compiled: string } | { source: true };

/** Compiles src/ the way `npm run build` does, into `outDir`, and returns the CLI's entry. */
export function buildServer(outDir: string): ServerEntry {
  rmSync(outDir, { recursive: true, force: true });
  // Type errors (say, another area's work in progress) do not stop tsc from emitting JavaScript.
  spawnSync(process.execPath, [join(REPO, 'node_modules/typescript/bin/tsc'), '-p', 'tsconfig.build.json', '--outDir', outDir], { cwd: REPO, stdio: 'ignore' });
  const main = join(outDir, 'cli/main.js');
  if (!existsSync(main)) throw new Error(`building the server into ${outDir} produced no cli/main.js`);
  return { compiled: main };
}

export interface ServerProcess {
  url: string;
  pid: number;
  logFile: string;
  /** Resident set size of the server process, bytes (VmRSS from /proc). */
  rss(): number;
  /** SIGTERM and wait for a clean exit (profiles are written on exit). */
  stop(): Promise<number | null>;
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

export async function startServer(options: ServerOptions): Promise<ServerProcess> {
  const port = await freePort();
  const logFile = join(options.dir, `server-${port}.log`);
  const log = createWriteStream(logFile);
  // `node --import tsx` rather than the tsx CLI: the tsx CLI forks, and the pid we measure must be the server's.
  const entry = 'compiled' in options.entry ? [options.entry.compiled] : ['--import', 'tsx', join(REPO, 'src/cli/main.ts')];
  const child = spawn(
    process.execPath,
    [
      ...(options.nodeFlags ?? []),
      ...entry,
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
      env: { ...process.env, TRAINYARD_HOME: join(options.dir, 'home'), TRAINYARD_LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  child.stdout!.pipe(log);
  child.stderr!.pipe(log);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  await waitForHealth(url, child, logFile);
  return {
    url,
    pid: child.pid!,
    logFile,
    rss: () => rssOf(child.pid!),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      const code = await exited;
      log.end();
      return code;
    },
  };
}

async function waitForHealth(url: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) break;
    try {
      const res = await fetch(`${url}/health`);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`Trainyard server did not become healthy; its log (${logFile}):\n${readFileSync(logFile, 'utf8').slice(-4000)}`);
}

export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /^VmRSS:\s+(\d+)\s+kB/m.exec(status)?.[1];
  if (kb === undefined) throw new Error(`no VmRSS for pid ${pid}`);
  return Number(kb) * 1024;
}
