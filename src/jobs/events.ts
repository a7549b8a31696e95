/**
 * Who hears about jobs: handlers registered per owner kind (trainings, pipeline tasks). A
 * handler's failure is logged and never stops the dispatcher or the other handlers.
 */
import type { JobRecord, OwnerKind } from './types.js';

export type JobHandler = (job: JobRecord) => void | Promise<void>;
export type LinesHandler = (job: JobRecord, lines: string[]) => void | Promise<void>;

/** pino's logger fits this shape. */
export interface DispatcherLog {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

export const stderrLog: DispatcherLog = {
  warn: (obj, msg) => console.warn(`[trainyard jobs] ${msg}`, obj),
  error: (obj, msg) => console.error(`[trainyard jobs] ${msg}`, obj),
};

type Kind = 'started' | 'finished';

export class JobEvents {
  private readonly handlers = new Map<string, Set<JobHandler>>();
  private readonly lineHandlers = new Map<OwnerKind, Set<LinesHandler>>();

  constructor(private readonly log: DispatcherLog) {}

  on(event: Kind, owner: OwnerKind, handler: JobHandler): () => void {
    return add(this.handlers, `${event}:${owner}`, handler);
  }

  onLines(owner: OwnerKind, handler: LinesHandler): () => void {
    return add(this.lineHandlers, owner, handler);
  }

  hasLineHandlers(owner: OwnerKind): boolean {
    return (this.lineHandlers.get(owner)?.size ?? 0) > 0;
  }

  async emit(event: Kind, job: JobRecord): Promise<void> {
    const set = this.handlers.get(`${event}:${job.owner.kind}`);
    if (set) await this.settle([...set].map((h) => () => h(job)), job, event);
  }

  async emitLines(job: JobRecord, lines: string[]): Promise<void> {
    const set = this.lineHandlers.get(job.owner.kind);
    if (set) await this.settle([...set].map((h) => () => h(job, lines)), job, 'lines');
  }

  private async settle(calls: (() => void | Promise<void>)[], job: JobRecord, what: string): Promise<void> {
    const results = await Promise.allSettled(calls.map(async (call) => call()));
    for (const r of results) {
      if (r.status === 'rejected') this.log.error({ err: r.reason, jobId: job.id, owner: job.owner }, `a job ${what} handler failed`);
    }
  }
}

function add<K, H>(map: Map<K, Set<H>>, key: K, handler: H): () => void {
  let set = map.get(key);
  if (!set) map.set(key, (set = new Set()));
  set.add(handler);
  return () => set.delete(handler);
}
