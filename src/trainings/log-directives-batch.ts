/**
 * Gathering `::metric` / `::param` / `::tag` directives into log-batch writes, so a training that
 * prints thousands of metric lines costs a handful of writes, each within MLflow's batch limits.
 */
import type { MetricInput } from '../tracking/metrics.js';
import type { BatchInput } from '../tracking/runs.js';
import { LIMITS } from '../tracking/validation.js';
import { parseDirective, type LogDirective } from './log-directives.js';

export interface DirectiveBatcherOptions {
  /** Clock for metrics printed without a timestamp (default Date.now). */
  now?: () => number;
  /**
   * Params the run already holds (a training's hyper-parameters). Params never change, so a
   * directive giving one a different value is refused here rather than failing a whole batch.
   */
  knownParams?: Readonly<Record<string, string>>;
}

/**
 * Accumulates directives; a batch is sealed as soon as one more entry could break a limit
 * (1000 metrics, 100 params, 100 tags, 1000 in all). Pure: the caller decides when to write.
 */
export class DirectiveBatcher {
  private readonly now: () => number;
  private readonly params: Map<string, string>;
  private readonly sealed: BatchInput[] = [];
  private metrics: MetricInput[] = [];
  private newParams: { key: string; value: string }[] = [];
  // A tag set twice before a write keeps its last value and is sent once.
  private tags = new Map<string, string>();

  constructor(options: DirectiveBatcherOptions = {}) {
    this.now = options.now ?? Date.now;
    this.params = new Map(Object.entries(options.knownParams ?? {}));
  }

  /** Adds a directive; returns why it was refused (a param changing value), else undefined. */
  add(d: LogDirective): string | undefined {
    if (d.kind === 'param') {
      const had = this.params.get(d.key);
      if (had !== undefined) {
        return had === d.value ? undefined : `Ignored ::param ${d.key}=${d.value}: the run already has ${d.key}=${had}, and params cannot change`;
      }
      this.sealIfFull(0, 1, 0);
      this.params.set(d.key, d.value);
      this.newParams.push({ key: d.key, value: d.value });
    } else if (d.kind === 'tag') {
      if (!this.tags.has(d.key)) this.sealIfFull(0, 0, 1);
      this.tags.set(d.key, d.value);
    } else {
      this.sealIfFull(1, 0, 0);
      this.metrics.push({ key: d.key, value: d.value, step: d.step, timestamp: d.timestamp ?? this.now() });
    }
    return undefined;
  }

  /** Directives held, sealed or not. */
  get pending(): number {
    return this.sealed.reduce((n, b) => n + size(b), 0) + this.currentSize();
  }

  /** Batches that reached a limit, to write now; the batch still filling stays. */
  takeFull(): BatchInput[] {
    return this.sealed.splice(0);
  }

  /** Everything held, in order, as batches within the limits. */
  takeAll(): BatchInput[] {
    this.seal();
    return this.sealed.splice(0);
  }

  private sealIfFull(metrics: number, params: number, tags: number): void {
    const over =
      this.metrics.length + metrics > LIMITS.metricsPerBatch ||
      this.newParams.length + params > LIMITS.paramsTagsPerBatch ||
      this.tags.size + tags > LIMITS.paramsTagsPerBatch ||
      this.currentSize() + 1 > LIMITS.entitiesPerBatch;
    if (over) this.seal();
  }

  private seal(): void {
    if (this.currentSize() === 0) return;
    const batch: BatchInput = {};
    if (this.metrics.length > 0) batch.metrics = this.metrics;
    if (this.newParams.length > 0) batch.params = this.newParams;
    if (this.tags.size > 0) batch.tags = [...this.tags].map(([key, value]) => ({ key, value }));
    this.sealed.push(batch);
    this.metrics = [];
    this.newParams = [];
    this.tags = new Map();
  }

  private currentSize(): number {
    return this.metrics.length + this.newParams.length + this.tags.size;
  }
}

function size(b: BatchInput): number {
  return (b.metrics?.length ?? 0) + (b.params?.length ?? 0) + (b.tags?.length ?? 0);
}

export interface DirectiveRecorderOptions extends DirectiveBatcherOptions {
  /** Writes one batch into the run (e.g. `tracking.runs.logBatch(runId, batch)`). */
  write: (batch: BatchInput) => Promise<void>;
  /** Receives one line per malformed or refused directive and per failed write, for the training's log. */
  warn: (message: string) => void;
}

/**
 * Feeds a training's output lines through the parser and the batcher, writing full batches as
 * they fill. Call `flush()` now and then (say, every second) and when the training ends. Nothing
 * here throws for bad output or a refused write: those become warnings.
 */
export class DirectiveRecorder {
  private readonly batcher: DirectiveBatcher;
  private readonly write: (batch: BatchInput) => Promise<void>;
  private readonly warn: (message: string) => void;
  /** Directives accepted, and warnings given, so far. */
  readonly counts = { directives: 0, warnings: 0, batches: 0 };

  constructor(options: DirectiveRecorderOptions) {
    this.batcher = new DirectiveBatcher(options);
    this.write = options.write;
    this.warn = options.warn;
  }

  async line(text: string): Promise<void> {
    const parsed = parseDirective(text);
    if (parsed === undefined) return;
    if (parsed.kind === 'invalid') return this.warning(parsed.message);
    const refused = this.batcher.add(parsed);
    if (refused !== undefined) return this.warning(refused);
    this.counts.directives++;
    await this.send(this.batcher.takeFull());
  }

  async flush(): Promise<void> {
    await this.send(this.batcher.takeAll());
  }

  private async send(batches: BatchInput[]): Promise<void> {
    for (const batch of batches) {
      try {
        await this.write(batch);
        this.counts.batches++;
      } catch (err) {
        this.warning(`Could not record ${describe(batch)} from ::metric/::param/::tag lines: ${(err as Error).message}`);
      }
    }
  }

  private warning(message: string): void {
    this.counts.warnings++;
    this.warn(message);
  }
}

function describe(b: BatchInput): string {
  const parts: string[] = [];
  if (b.metrics?.length) parts.push(`${b.metrics.length} metric value${b.metrics.length === 1 ? '' : 's'}`);
  if (b.params?.length) parts.push(`${b.params.length} param${b.params.length === 1 ? '' : 's'}`);
  if (b.tags?.length) parts.push(`${b.tags.length} tag${b.tags.length === 1 ? '' : 's'}`);
  return parts.join(', ');
}
