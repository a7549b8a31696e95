/**
 * The job system: a durable queue, a dispatcher that admits jobs by resources and follows them,
 * and the executors it drives. `createDispatcher` wires them from the configuration.
 */
import { hostname } from 'node:os';
import type { Config } from '../config.js';
import { LocalExecutor } from '../executors/local.js';
import type { Executor } from '../executors/types.js';
import type { Db } from '../store/open.js';
import { resolveCapacity } from './capacity.js';
import { Dispatcher, type DispatcherOptions } from './dispatcher.js';
import { JobQueue } from './queue.js';

export { Dispatcher, type DispatcherOptions } from './dispatcher.js';
export { JobQueue, type JobFilter, type QueueEvent } from './queue.js';
export { resolveCapacity, assertWithinCapacity, detectGpus, type Capacity } from './capacity.js';
export { jobLog, type JobLogOptions } from './logs.js';
export type { JobHandler, LinesHandler, DispatcherLog } from './events.js';
export * from './types.js';

/**
 * The worker id of a dispatcher that lives only as long as one CLI command. Never the server's
 * (the host name, or the configured workerId): a server heartbeats every job under its own id, so
 * it would keep a killed command's jobs alive without following them until its own restart.
 * Under an id of their own they go stale, and a live server takes them over.
 */
export function commandWorkerId(base?: string, pid = process.pid): string {
  return `${base ?? hostname()}:cli:${pid}`;
}

type JobSettings = Pick<Config, 'capacityCpu' | 'capacityMemory' | 'gpus' | 'workerId' | 'cancelGraceSeconds' | 'jobStaleSeconds'>;

/**
 * A dispatcher over `db` with the local executor plus `executors`, capacity and timings from the
 * configuration. Call start() to reattach earlier jobs and begin dispatching.
 */
export async function createDispatcher(
  config: JobSettings,
  db: Db,
  options: { executors?: Executor[] } & Partial<Omit<DispatcherOptions, 'queue' | 'capacity' | 'executors' | 'workerId'>> = {},
): Promise<Dispatcher> {
  const { executors = [], ...rest } = options;
  const graceMs = config.cancelGraceSeconds * 1000;
  const staleAfterMs = config.jobStaleSeconds * 1000;
  return new Dispatcher({
    graceMs,
    staleAfterMs,
    heartbeatMs: Math.min(5000, staleAfterMs / 4),
    ...rest,
    queue: new JobQueue(db, rest.now ? { now: rest.now } : {}),
    workerId: config.workerId ?? hostname(),
    capacity: await resolveCapacity(config),
    executors: [new LocalExecutor({ graceMs }), ...executors],
  });
}
