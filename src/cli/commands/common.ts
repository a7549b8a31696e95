/** Option helpers shared by the resource commands. */
import type { Command } from 'commander';
import { parseDuration } from '../../trainings/manifest/duration.js';
import { CliError } from '../errors.js';
import { ProgressView } from '../progress.js';

export const SERVER_HELP = 'Trainyard server URL (default: TRAINYARD_SERVER; without either, work on the local store in this process)';

export interface ServerOpts {
  server?: string;
}

/** Every resource command takes --server, after the command name as people type it. */
export function withServer(cmd: Command): Command {
  return cmd.option('--server <url>', SERVER_HELP);
}

/** `--timeout 90`, `--timeout 10m`, `--timeout 1h30m` → seconds. */
export function parseTimeout(value: string): number {
  const seconds = parseDuration(value);
  if (seconds === undefined) throw new CliError(`--timeout '${value}' is not a duration: give seconds (600) or e.g. 90s, 10m, 1h30m`);
  return seconds;
}

/** `--id X` or `-f FILE`, exactly one. */
export function idOrFile(opts: { id?: string; file?: string }, noun: string): { id: string } | { file: string } {
  if (opts.id !== undefined && opts.file !== undefined) throw new CliError(`give either --id or -f, not both`);
  if (opts.id !== undefined) return { id: opts.id };
  if (opts.file !== undefined) return { file: opts.file };
  throw new CliError(`say which ${noun}: --id ID or -f FILE`);
}

export function stdoutView(): ProgressView {
  return new ProgressView(process.stdout);
}

export function say(text: string): void {
  process.stdout.write(`${text}\n`);
}
