/**
 * A job's log for the API and CLI: everything from an offset, and with `follow` everything that
 * is still written until the job has finished.
 */
import { followFile, type LogChunk } from '../executors/log-tail.js';
import type { JobQueue } from './queue.js';
import { isTerminal } from './types.js';

export interface JobLogOptions {
  offset?: number;
  follow?: boolean;
  signal?: AbortSignal;
  pollMs?: number;
}

export async function* jobLog(queue: JobQueue, jobId: string, options: JobLogOptions = {}): AsyncGenerator<LogChunk> {
  const job = await queue.require(jobId);
  const until = options.follow
    ? async () => {
        const current = await queue.get(jobId);
        return current === undefined || isTerminal(current.state);
      }
    : () => true;
  yield* followFile(job.spec.logPath, {
    until,
    ...(options.offset !== undefined && { offset: options.offset }),
    ...(options.signal !== undefined && { signal: options.signal }),
    ...(options.pollMs !== undefined && { pollMs: options.pollMs }),
  });
}
