/**
 * Schedules: create (validated, with the target's source snapshotted so later edits to the folder
 * change nothing), get, list, delete, and the scheduler that fires them from the server.
 *
 * Firing: when a schedule's next time has come, one process claims it (moving the next time with
 * a conditional update) and starts the target, unless the previous run of this schedule is still
 * going: then the firing is skipped or queued (overlap). Queued firings start, oldest first, as
 * soon as nothing of the schedule runs; at most MAX_QUEUED wait, later ones are skipped.
 *
 * Restarts: schedules and firings live in the database. A server that was down finds times that
 * passed: a time at most MISSED_AFTER_MS late fires as usual; later than that it was missed, and
 * the schedule fires once for the latest missed time (catchUp, the default) or records it as
 * missed (catchUp: false). Either way the next time is computed from now, never a burst.
 */
import { resolve } from 'node:path';
import { invalid, ProblemList, TrainyardError } from '../../errors.js';
import type { Db } from '../../store/open.js';
import type { ConnectionService } from '../../trainings/connections/service.js';
import { schemaProblems, validateManifest } from '../../trainings/manifest/validate.js';
import { FINISHED_STATES } from '../../trainings/resource.js';
import type { TrainingService } from '../../trainings/service.js';
import type { SourceSnapshots } from '../../trainings/sources/snapshots.js';
import type { PipelineService } from '../service.js';
import { compile, cronProblems } from './cron.js';
import { ScheduleRepository, type Firing, type ScheduleRecord } from './repository.js';
import { ScheduleManifestSchema, type ScheduleManifestInput, type ScheduleSpec, type ScheduleTarget } from './schema.js';

export const MISSED_AFTER_MS = 60_000;
export const MAX_QUEUED = 10;
const TICK_MS = 1000;

export interface ScheduleView {
  kind: 'Schedule';
  id: string;
  spec: ScheduleSpec;
  status: {
    nextFireAt?: number;
    lastFireAt?: number;
    /** What the last firing started: a pipeline run id, or a training id. */
    lastTarget?: string;
    queued: number;
    /** The latest firings, newest first. */
    firings: Firing[];
    createdAt: number;
  };
}

export interface ScheduleServiceDeps {
  db: Db;
  pipelines: PipelineService;
  trainings: TrainingService;
  connections: ConnectionService;
  snapshots: SourceSnapshots;
  now?: () => number;
  warn?(message: string): void;
}

export interface ScheduleCreateOptions {
  /** Read local folders (the target's source) from this machine: the CLI. */
  localPaths?: boolean;
  baseDir?: string;
}

export class ScheduleService {
  readonly repo: ScheduleRepository;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  private ticking: Promise<void> | undefined;
  private offFinished: (() => void) | undefined;

  constructor(private readonly deps: ScheduleServiceDeps) {
    this.repo = new ScheduleRepository(deps.db);
    this.now = deps.now ?? Date.now;
  }

  async create(input: unknown, options: ScheduleCreateOptions = {}): Promise<ScheduleView> {
    const { id, spec } = await this.validate(input, options);
    const next = compile(spec.cron, spec.timezone).next(this.now()) ?? null;
    await this.repo.create(id, spec, next, this.now());
    this.wake();
    return this.get(id);
  }

  async get(id: string): Promise<ScheduleView> {
    return this.view(await this.repo.require(id));
  }

  async list(): Promise<ScheduleView[]> {
    return Promise.all((await this.repo.list()).map((s) => this.view(s)));
  }

  /** Stops a schedule for good; what it started keeps running. */
  async delete(id: string): Promise<void> {
    await this.repo.require(id);
    await this.repo.delete(id);
  }

  /** Fires schedules from now on (the server calls it; embedded CLI commands do not). */
  async start(): Promise<void> {
    if (this.running) return;
    this.running = true;
    this.offFinished = this.deps.pipelines.onRunFinished((run) => {
      if (run.scheduleId) this.wake();
    });
    // Times still ahead are computed again: the cron library or the time zone data may have changed.
    for (const s of await this.repo.list()) {
      const next = compile(s.spec.cron, s.spec.timezone).next(this.now()) ?? null;
      if (s.nextFireAt !== null && s.nextFireAt > this.now() && next !== s.nextFireAt) await this.repo.advance(s.id, s.nextFireAt, next, this.now());
    }
    this.wake();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.timer);
    this.offFinished?.();
    await this.ticking;
  }

  /** One pass: fire what is due and start queued firings whose schedule is free. Tests call it with their own clock. */
  async tick(): Promise<void> {
    const now = this.now();
    for (const s of await this.repo.due(now)) {
      try {
        await this.fire(s, now);
      } catch (err) {
        this.deps.warn?.(`schedule ${s.id}: ${(err as Error).message}`);
      }
    }
    for (const s of await this.repo.list()) {
      if (s.spec.overlap !== 'queue') continue;
      try {
        await this.drainQueue(s);
      } catch (err) {
        this.deps.warn?.(`schedule ${s.id}: ${(err as Error).message}`);
      }
    }
  }

  private wake(): void {
    if (!this.running) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.loop(), 0);
    this.timer.unref();
  }

  private async loop(): Promise<void> {
    if (!this.running || this.ticking) return;
    this.ticking = this.tick()
      .catch((err: unknown) => this.deps.warn?.(`scheduler: ${(err as Error).message}`))
      .finally(() => (this.ticking = undefined));
    await this.ticking;
    if (!this.running) return;
    // Sleep to the soonest firing, but look again at least every second for schedules made elsewhere.
    const soonest = await this.repo.soonest().catch(() => undefined);
    const wait = soonest === undefined ? TICK_MS : Math.min(TICK_MS, Math.max(0, soonest - this.now()));
    this.timer = setTimeout(() => void this.loop(), wait);
    this.timer.unref();
  }

  private async fire(s: ScheduleRecord, now: number): Promise<void> {
    const due = s.nextFireAt!;
    const cron = compile(s.spec.cron, s.spec.timezone);
    const next = cron.next(now) ?? null;
    if (!(await this.repo.advance(s.id, due, next, now))) return; // another process fired it
    const late = now - due > MISSED_AFTER_MS;
    if (late && !s.spec.catchUp) {
      await this.repo.addFiring({ scheduleId: s.id, fireAt: due, state: 'missed', target: null, message: `missed while the server was down (due ${new Date(due).toISOString()})` }, now);
      return;
    }
    // A late catch-up fires once, for the latest time that passed.
    const fireAt = late ? latestBefore(cron, due, now) : due;
    const note = late ? `catching up: the server was down at ${new Date(due).toISOString()}` : null;
    if (await this.busy(s)) {
      const queued = s.spec.overlap === 'queue' && (await this.repo.countFirings(s.id, 'queued')) < MAX_QUEUED;
      const message = queued ? 'the previous run is still going: queued' : s.spec.overlap === 'queue' ? `the queue already holds ${MAX_QUEUED} firings: skipped` : 'the previous run is still going: skipped';
      await this.repo.addFiring({ scheduleId: s.id, fireAt, state: queued ? 'queued' : 'skipped', target: null, message: note ? `${note}; ${message}` : message }, now);
      return;
    }
    if (await this.repo.addFiring({ scheduleId: s.id, fireAt, state: 'starting', target: null, message: note }, now)) await this.launch(s, fireAt, note);
  }

  private async drainQueue(s: ScheduleRecord): Promise<void> {
    const [oldest] = await this.repo.firings(s.id, { states: ['queued'], limit: 1, oldestFirst: true });
    if (!oldest || (await this.busy(s))) return;
    if (await this.repo.updateFiring(s.id, oldest.fireAt, { state: 'starting' }, ['queued'], this.now())) await this.launch(s, oldest.fireAt, oldest.message);
  }

  /** Whether something this schedule started is still going (or being started). */
  private async busy(s: ScheduleRecord): Promise<boolean> {
    if ((await this.repo.firings(s.id, { states: ['starting'], limit: 1 })).length > 0) return true;
    const target = s.spec.target;
    if (target.kind === 'pipeline') return (await this.deps.pipelines.repo.list({ scheduleId: s.id, states: ['running'], limit: 1 })).length > 0;
    const id = String(target.manifest.id);
    const training = await this.deps.trainings.get(id).catch(() => undefined);
    return training !== undefined && !FINISHED_STATES.includes(training.status.state);
  }

  /** Starts the target for a firing recorded as 'starting'. */
  private async launch(s: ScheduleRecord, fireAt: number, note: string | null): Promise<void> {
    const now = () => this.now();
    let target: string;
    try {
      target = await this.startTarget(s);
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      await this.repo.updateFiring(s.id, fireAt, { state: 'failed', message: note ? `${note}; could not start: ${message}` : `could not start: ${message}` }, ['starting'], now());
      return;
    }
    await this.repo.updateFiring(s.id, fireAt, { state: 'started', target }, ['starting'], now());
    await this.repo.recordFired(s.id, fireAt, target, now());
  }

  private async startTarget(s: ScheduleRecord): Promise<string> {
    const target = s.spec.target;
    if (target.kind === 'pipeline') {
      const run = await this.deps.pipelines.submit(target.manifest, { params: target.params, scheduleId: s.id });
      return run.id;
    }
    const id = String(target.manifest.id);
    const exists = await this.deps.trainings.get(id).then(
      () => true,
      (err: unknown) => {
        if (err instanceof TrainyardError && err.code === 'RESOURCE_DOES_NOT_EXIST') return false;
        throw err;
      },
    );
    const training = exists ? await this.deps.trainings.edit(target.manifest) : await this.deps.trainings.create(target.manifest);
    return `${training.id}#${training.status.generation}`;
  }

  private async view(s: ScheduleRecord): Promise<ScheduleView> {
    const status: ScheduleView['status'] = { queued: await this.repo.countFirings(s.id, 'queued'), firings: await this.repo.firings(s.id, { limit: 10 }), createdAt: s.createdAt };
    if (s.nextFireAt !== null) status.nextFireAt = s.nextFireAt;
    if (s.lastFireAt !== null) status.lastFireAt = s.lastFireAt;
    if (s.lastTarget !== null) status.lastTarget = s.lastTarget;
    return { kind: 'Schedule', id: s.id, spec: s.spec, status };
  }

  /** Every problem at once: the manifest, the cron expression and time zone, and the target as its own service would refuse it. */
  private async validate(input: unknown, options: ScheduleCreateOptions): Promise<{ id: string; spec: ScheduleSpec }> {
    const problems = new ProblemList();
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      problems.add('(manifest)', 'expected a mapping with kind: Schedule, id and spec');
      problems.throwIfAny('Invalid Schedule manifest');
    }
    schemaProblems(ScheduleManifestSchema, input, problems);
    problems.throwIfAny('Invalid Schedule manifest');
    const m = input as ScheduleManifestInput;
    const timezone = m.spec.timezone ?? 'UTC';
    for (const p of cronProblems(m.spec.cron, timezone)) problems.add(`spec.${p.field}`, p.message);
    const targets = [m.spec.pipeline && 'pipeline', m.spec.training && 'training'].filter(Boolean);
    if (targets.length !== 1) problems.add('spec', targets.length === 0 ? 'give a target: pipeline or training' : 'give one target: pipeline or training, not both');
    if (m.spec.pipeline && m.spec.pipeline.spec === undefined) {
      problems.add('spec.pipeline.spec', m.spec.pipeline.file ? `the server does not read files; create the schedule with the trainyard CLI (it reads ${m.spec.pipeline.file})` : 'required: the Pipeline manifest');
    }
    problems.throwIfAny('Invalid Schedule manifest');
    const target = await this.resolveTarget(m, options);
    return { id: m.id, spec: { cron: m.spec.cron, timezone, overlap: m.spec.overlap ?? 'skip', catchUp: m.spec.catchUp ?? true, target } };
  }

  /** The target as it will run at every firing: validated now, its local source snapshotted now. */
  private async resolveTarget(m: ScheduleManifestInput, options: ScheduleCreateOptions): Promise<ScheduleTarget> {
    const prefixed = (field: string) => (err: unknown): never => {
      if (err instanceof TrainyardError && err.problems) throw invalid(err.message, err.problems.map((p) => ({ field: `${field}.${p.field}`, message: p.message })));
      throw err;
    };
    if (m.spec.pipeline) {
      const params = m.spec.pipeline.params ?? {};
      const manifest = await this.deps.pipelines.resolve(m.spec.pipeline.spec!, { ...options, params }).catch(prefixed('spec.pipeline.spec'));
      return { kind: 'pipeline', manifest, params };
    }
    const manifest = structuredClone(m.spec.training!);
    if (typeof manifest.id !== 'string') throw invalid('spec.training.id: a scheduled training needs an id (each firing runs it again as a new generation)');
    validateManifest(manifest, { connectionType: await this.deps.connections.typeLookup() });
    const local = (manifest.spec as { algorithmSource?: { local?: { path: string; snapshot?: string } } }).algorithmSource?.local;
    if (local && local.snapshot === undefined) {
      if (!options.localPaths) throw invalid('spec.training.spec.algorithmSource.local.path: this server does not read folders from its own disk; create the schedule with the trainyard CLI');
      local.path = resolve(options.baseDir ?? process.cwd(), local.path);
      local.snapshot = (await this.deps.snapshots.fromFolder(local.path)).hash;
    }
    return { kind: 'training', manifest };
  }
}

/** The last cron time at or before `now`, starting from `from` (a time that is one). */
function latestBefore(cron: { next(after: number): number | undefined }, from: number, now: number): number {
  let t = from;
  for (let i = 0; i < 100_000; i++) {
    const n = cron.next(t);
    if (n === undefined || n > now) return t;
    t = n;
  }
  return t;
}
