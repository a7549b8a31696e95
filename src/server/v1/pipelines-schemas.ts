/**
 * OpenAPI components of /api/v1/pipelines and /api/v1/schedules: the manifests come from the
 * pipeline services (one source of truth); pipeline runs, plans and schedules as the API returns
 * them are described here.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import type { FastifyInstance } from 'fastify';
import { KEY_PARTS } from '../../pipelines/cache/key.js';
import { RUN_STATES, TASK_STATES } from '../../pipelines/records.js';
import { ScheduleManifestSchema } from '../../pipelines/schedules/schema.js';
import { PipelineManifestSchema } from '../../pipelines/spec/schema.js';
import { Ref } from './schemas.js';

const Millis = (description: string) => Type.Integer({ description: `${description} (epoch milliseconds)` });
const Scalar = Type.Union([Type.String(), Type.Number(), Type.Boolean()]);

export const TaskStateSchema = Type.Union(
  TASK_STATES.map((s) => Type.Literal(s)),
  { description: 'pending → running → succeeded | failed | cancelled; cached when an earlier result was taken; upstream-failed when a task it needs did not succeed' },
);
export const RunStateSchema = Type.Union(RUN_STATES.map((s) => Type.Literal(s)), { description: 'running → succeeded | failed | cancelled' });

const KeyPartsSchema = Type.Object(Object.fromEntries(KEY_PARTS.map((p) => [p, Type.String()])), {
  $id: 'PipelineKeyParts',
  description: 'sha256 of each part of a cache key: definition (after parameter substitution), params it reads, code, inputs, environment, cacheVersion',
});

const StoredOutputSchema = Type.Object(
  {
    name: Type.String(),
    path: Type.String({ description: "where the task wrote it, relative to its work directory" }),
    digest: Type.String({ description: 'sha256 of its manifest: the identity dependants hash' }),
    kind: Type.Union([Type.Literal('file'), Type.Literal('dir')]),
    files: Type.Integer(),
    size: Type.Integer({ description: 'bytes' }),
  },
  { $id: 'PipelineOutput' },
);

const PipelineTaskSchema = Type.Object(
  {
    name: Type.String(),
    state: TaskStateSchema,
    needs: Type.Array(Type.String()),
    attempt: Type.Integer({ description: 'tries started so far' }),
    maxAttempts: Type.Integer({ description: '1 + retries.count' }),
    cacheKey: Type.Optional(Type.String()),
    keyParts: Type.Optional(Ref('PipelineKeyParts')),
    cachedFrom: Type.Optional(
      Type.Object({ runId: Type.Union([Type.String(), Type.Null()], { description: 'the tracking run that produced the result' }), pipelineRunId: Type.String() }),
    ),
    runId: Type.Optional(Type.String({ description: "the task's tracking run, nested under the pipeline run's (mlflow.parentRunId)" })),
    jobId: Type.Optional(Type.String()),
    trainingId: Type.Optional(Type.String({ description: 'an inline training task runs as this training' })),
    exitCode: Type.Optional(Type.Integer()),
    message: Type.Optional(Type.String()),
    retryAt: Type.Optional(Millis('next try')),
    startedAt: Type.Optional(Millis('first try started')),
    finishedAt: Type.Optional(Millis('ended')),
    outputs: Type.Array(Ref('PipelineOutput')),
  },
  { $id: 'PipelineTask' },
);

const PipelineRunSchema = Type.Object(
  {
    kind: Type.Literal('PipelineRun'),
    id: Type.String(),
    pipeline: Type.String({ description: "the manifest's name" }),
    state: RunStateSchema,
    message: Type.Optional(Type.String({ description: 'what happened, once it ended' })),
    params: Type.Record(Type.String(), Scalar, { description: 'every parameter, resolved to its declared type' }),
    force: Type.Array(Type.String(), { description: 'tasks recomputed whatever the cache held' }),
    runId: Type.Optional(Type.String({ description: 'the parent tracking run' })),
    experiment: Type.String(),
    scheduleId: Type.Optional(Type.String()),
    cancelRequested: Type.Boolean(),
    createdAt: Millis('submitted'),
    finishedAt: Type.Optional(Millis('ended')),
    summary: Type.Record(Type.String(), Type.Integer(), { description: 'how many tasks are in each state' }),
    tasks: Type.Array(Ref('PipelineTask'), { description: 'in topological order' }),
  },
  { $id: 'PipelineRun' },
);

const PipelinePlanSchema = Type.Object(
  {
    kind: Type.Literal('PipelinePlan'),
    pipeline: Type.String(),
    params: Type.Record(Type.String(), Scalar),
    tasks: Type.Array(
      Type.Object({
        name: Type.String(),
        action: Type.Union([Type.Literal('run'), Type.Literal('cached')]),
        reason: Type.String({ description: 'e.g. "not in the cache: code changed", "forced", "upstream \'train\' runs"' }),
        changed: Type.Array(Type.Union(KEY_PARTS.map((p) => Type.Literal(p))), { description: "parts of the key that differ from the task's last cached result" }),
        cacheKey: Type.Optional(Type.String()),
      }),
    ),
  },
  { $id: 'PipelinePlan', description: 'What a submission would do (--dry-run): nothing is created or run' },
);

const SubmitSchema = Type.Object(
  {
    pipeline: Ref('PipelineManifest'),
    params: Type.Optional(Type.Record(Type.String(), Scalar, { description: 'values for the declared params: typed, or text converted to the declared type' })),
    force: Type.Optional(Type.Array(Type.String(), { description: 'tasks to recompute whatever the cache holds, with everything downstream' })),
  },
  { $id: 'PipelineSubmission', description: 'A Pipeline manifest with parameter values; a bare manifest (kind: Pipeline) is accepted too' },
);

const FiringSchema = Type.Object(
  {
    scheduleId: Type.String(),
    fireAt: Millis('the cron time it is for'),
    state: Type.Union(['starting', 'started', 'queued', 'skipped', 'missed', 'failed'].map((s) => Type.Literal(s))),
    target: Type.Union([Type.String(), Type.Null()], { description: 'the pipeline run it started, or training#generation' }),
    message: Type.Union([Type.String(), Type.Null()]),
    createdAt: Millis('recorded'),
    updatedAt: Millis('last change'),
  },
  { $id: 'ScheduleFiring' },
);

const ScheduleSchema = Type.Object(
  {
    kind: Type.Literal('Schedule'),
    id: Type.String(),
    spec: Type.Object({
      cron: Type.String(),
      timezone: Type.String(),
      overlap: Type.Union([Type.Literal('skip'), Type.Literal('queue')]),
      catchUp: Type.Boolean(),
      target: Type.Object({ kind: Type.Union([Type.Literal('pipeline'), Type.Literal('training')]), manifest: Type.Record(Type.String(), Type.Unknown()), params: Type.Optional(Type.Record(Type.String(), Scalar)) }),
    }),
    status: Type.Object({
      nextFireAt: Type.Optional(Millis('next firing')),
      lastFireAt: Type.Optional(Millis('last firing that started its target')),
      lastTarget: Type.Optional(Type.String()),
      queued: Type.Integer({ description: 'firings waiting for the previous run to end (overlap: queue)' }),
      firings: Type.Array(Ref('ScheduleFiring'), { description: 'the latest firings, newest first' }),
      createdAt: Millis('created'),
    }),
  },
  { $id: 'Schedule' },
);

const COMPONENTS: TSchema[] = [
  { ...PipelineManifestSchema, $id: 'PipelineManifest', description: 'A Pipeline manifest (JSON or YAML): typed params and a graph of tasks' },
  SubmitSchema,
  KeyPartsSchema,
  StoredOutputSchema,
  PipelineTaskSchema,
  PipelineRunSchema,
  PipelinePlanSchema,
  { ...ScheduleManifestSchema, $id: 'ScheduleManifest', description: 'A Schedule manifest: cron, time zone, overlap policy and a pipeline or training target' },
  FiringSchema,
  ScheduleSchema,
];

export function addPipelineSchemas(app: FastifyInstance): void {
  for (const schema of COMPONENTS) app.addSchema(schema);
}
