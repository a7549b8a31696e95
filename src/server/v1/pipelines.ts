/**
 * /api/v1/pipelines: submit a pipeline (or plan one: --dry-run), list and read runs with each
 * task's state, follow a task's log, cancel a run.
 */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { PipelinePlan } from '../../pipelines/plan.js';
import type { PipelineService, PipelineSubmitOptions } from '../../pipelines/service.js';
import type { PipelineRunView } from '../../pipelines/view.js';
import { RunStateSchema } from './pipelines-schemas.js';
import { answer, errors, IdParams, Ref } from './schemas.js';
import { sendLogStream } from './log-stream.js';
import { YAML_TYPES } from './yaml-body.js';

const tags = ['pipelines'];
const consumes = ['application/json', ...YAML_TYPES];
const RunRef = Ref<PipelineRunView>('PipelineRun');
const PlanRef = Ref<PipelinePlan>('PipelinePlan');
const SubmitBody = Type.Unsafe<unknown>({ $ref: 'PipelineSubmission#' });

const ListQuery = Type.Object({
  pipeline: Type.Optional(Type.String({ description: "only runs of the pipeline with this name" })),
  state: Type.Optional(RunStateSchema),
  scheduleId: Type.Optional(Type.String({ description: 'only runs started by this schedule' })),
  before: Type.Optional(Type.Integer({ description: 'only runs created before this time (epoch ms), for paging' })),
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000, default: 100 })),
});
const TaskParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 200 }), task: Type.String({ minLength: 1, maxLength: 100 }) });
const LogsQuery = Type.Object({ follow: Type.Optional(Type.Boolean({ default: false, description: 'keep streaming until the task has ended' })) });

/** A submission's parts: an envelope {pipeline, params, force}, or the bare manifest. */
function submission(body: unknown): { manifest: unknown; options: PipelineSubmitOptions } {
  if (body !== null && typeof body === 'object' && !Array.isArray(body) && 'pipeline' in body) {
    const { pipeline, params, force } = body as { pipeline: unknown; params?: unknown; force?: unknown };
    const options: PipelineSubmitOptions = {};
    if (params !== undefined) options.params = params as Record<string, unknown>;
    if (force !== undefined) options.force = force as string[];
    return { manifest: pipeline, options };
  }
  return { manifest: body, options: {} };
}

export function pipelineRoutes(scope: FastifyInstance, pipelines: PipelineService, closing: AbortSignal): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/pipelines',
    {
      schema: {
        tags,
        operationId: 'submitPipeline',
        summary: 'Run a pipeline',
        description:
          'Validates the manifest, its graph (no cycles, no unknown needs) and the parameter values, reporting every mistake at once, before anything runs. ' +
          'Tasks whose cache key has a result are taken from the cache. A local source must be uploaded first (POST /api/v1/sources) and named by source.local.snapshot.',
        consumes,
        body: SubmitBody,
        response: { 201: answer(RunRef, 'Started; tasks pending'), ...errors(400, 413, 415) },
      },
    },
    async (req, reply) => {
      const { manifest, options } = submission(req.body);
      return reply.code(201).send(await pipelines.submit(manifest, { ...options, localPaths: false }));
    },
  );

  app.post(
    '/pipelines/plan',
    {
      schema: {
        tags,
        operationId: 'planPipeline',
        summary: 'What a submission would run (dry run)',
        description: 'Which tasks would run and which would be cache hits, and for each miss which part of its cache key changed. Nothing is created or run.',
        consumes,
        body: SubmitBody,
        response: { 200: answer(PlanRef, 'The plan'), ...errors(400, 413, 415) },
      },
    },
    async (req) => {
      const { manifest, options } = submission(req.body);
      return pipelines.plan(manifest, { ...options, localPaths: false });
    },
  );

  app.get(
    '/pipelines',
    {
      schema: {
        tags,
        operationId: 'listPipelineRuns',
        summary: 'List pipeline runs, newest first',
        querystring: ListQuery,
        response: { 200: answer(Type.Object({ pipelineRuns: Type.Array(RunRef) }), 'The runs that match, newest first'), ...errors(400) },
      },
    },
    async (req) => {
      const { pipeline, state, scheduleId, before, limit } = req.query;
      return {
        pipelineRuns: await pipelines.list({
          ...(pipeline !== undefined && { pipeline }),
          ...(state !== undefined && { states: [state] }),
          ...(scheduleId !== undefined && { scheduleId }),
          ...(before !== undefined && { before }),
          limit: limit ?? 100,
        }),
      };
    },
  );

  app.get(
    '/pipelines/:id',
    { schema: { tags, operationId: 'getPipelineRun', summary: 'One pipeline run with the state of each task', params: IdParams, response: { 200: answer(RunRef, 'The run'), ...errors(404) } } },
    async (req) => pipelines.get(req.params.id),
  );

  app.post(
    '/pipelines/:id/cancel',
    {
      schema: {
        tags,
        operationId: 'cancelPipelineRun',
        summary: 'Cancel a pipeline run',
        description: 'Running tasks are stopped (SIGTERM, then SIGKILL after the grace period), pending ones cancelled. The answer may still say running.',
        params: IdParams,
        response: { 200: answer(RunRef, 'The run after the cancel request'), ...errors(404) },
      },
    },
    async (req) => pipelines.cancel(req.params.id),
  );

  app.get(
    '/pipelines/:id/tasks/:task/logs',
    {
      schema: {
        tags,
        operationId: 'pipelineTaskLogs',
        summary: "A task's log, optionally followed live",
        description: "Trainyard's notes and the task's output, every try. A cached task answers with the log of the run that produced its result.",
        params: TaskParams,
        querystring: LogsQuery,
        response: { 200: { description: 'The log, streamed as it is written', content: { 'text/plain': { schema: { type: 'string' } } } }, ...errors(400, 404) },
      },
    },
    async (req, reply) => {
      const { id, task } = req.params;
      await pipelines.task(id, task); // a wrong run or task is a 404, answered before the stream starts
      return sendLogStream(reply, closing, (signal) => pipelines.logs(id, task, { follow: req.query.follow ?? false, signal }));
    },
  );
}
