/** /api/v1/trainings: ModelTraining resources, their state timeline and their live logs. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { TrainingService } from '../../trainings/service.js';
import { bodyWithPathId } from './path-id.js';
import { answer, errors, IdParams, ManifestBody, NoContent, TrainingEventRef, TrainingRef, TrainingStateSchema } from './schemas.js';
import { sendLogStream } from './log-stream.js';
import { YAML_TYPES } from './yaml-body.js';

const tags = ['trainings'];
const consumes = ['application/json', ...YAML_TYPES];

const ListQuery = Type.Object({
  modelName: Type.Optional(Type.String({ description: 'only trainings of this model name' })),
  modelVersion: Type.Optional(Type.String({ description: 'only trainings of this model version' })),
  state: Type.Optional(TrainingStateSchema),
});

const LogsQuery = Type.Object({
  follow: Type.Optional(Type.Boolean({ default: false, description: 'keep streaming until the training has finished' })),
});

const LogText = {
  description: "The training's log: Trainyard's preparation notes, then the program's output. Streamed (chunked) as it is written.",
  content: { 'text/plain': { schema: { type: 'string' } } },
};

export function trainingRoutes(scope: FastifyInstance, trainings: TrainingService, closing: AbortSignal): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/trainings',
    {
      schema: {
        tags,
        operationId: 'createTraining',
        summary: 'Submit a training',
        description:
          'Validates the manifest (JSON or YAML), reporting every mistake at once, fills in defaults and schedules the first run. ' +
          'A local source must already be uploaded (POST /api/v1/sources) and named by algorithmSource.local.snapshot.',
        consumes,
        body: ManifestBody,
        response: { 201: answer(TrainingRef, 'Scheduled; the spec shows every default'), ...errors(400, 413, 415) },
      },
    },
    // localPaths stays off: a server never reads folders from its own disk on a client's behalf.
    async (req, reply) => reply.code(201).send(await trainings.create(req.body, { localPaths: false })),
  );

  app.get(
    '/trainings',
    {
      schema: {
        tags,
        operationId: 'listTrainings',
        summary: 'List trainings, newest first',
        querystring: ListQuery,
        response: { 200: answer(Type.Object({ trainings: Type.Array(TrainingRef) }), 'The trainings that match, newest first'), ...errors(400) },
      },
    },
    async (req) => ({ trainings: await trainings.list(req.query) }),
  );

  app.get(
    '/trainings/:id',
    { schema: { tags, operationId: 'getTraining', summary: 'One training with its defaults and status', params: IdParams, response: { 200: answer(TrainingRef, 'The training'), ...errors(404) } } },
    async (req) => trainings.get(req.params.id),
  );

  app.put(
    '/trainings/:id',
    {
      schema: {
        tags,
        operationId: 'editTraining',
        summary: 'Replace the spec and run the training again',
        description: 'Starts a new generation; a running one is cancelled first. An id in the body must equal the one in the URL.',
        consumes,
        params: IdParams,
        body: ManifestBody,
        response: { 200: answer(TrainingRef, 'The new generation, scheduled'), ...errors(400, 404, 413, 415) },
      },
    },
    async (req) => trainings.edit(bodyWithPathId(req.body, req.params.id, 'training'), { localPaths: false }),
  );

  app.delete(
    '/trainings/:id',
    {
      schema: {
        tags,
        operationId: 'deleteTraining',
        summary: 'Delete a training, stopping it first',
        params: IdParams,
        response: { 204: NoContent, ...errors(404) },
      },
    },
    async (req, reply) => {
      await trainings.delete(req.params.id);
      return reply.code(204).send();
    },
  );

  app.post(
    '/trainings/:id/cancel',
    {
      schema: {
        tags,
        operationId: 'cancelTraining',
        summary: 'Cancel the current run',
        description: 'The answer may still say running: the process gets SIGTERM, then SIGKILL after the grace period.',
        params: IdParams,
        response: { 200: answer(TrainingRef, 'The training after the cancel request'), ...errors(404) },
      },
    },
    async (req) => trainings.cancel(req.params.id),
  );

  app.get(
    '/trainings/:id/events',
    {
      schema: {
        tags,
        operationId: 'trainingEvents',
        summary: 'State timeline, oldest first, across generations',
        params: IdParams,
        response: { 200: answer(Type.Object({ events: Type.Array(TrainingEventRef) }), 'State changes, oldest first'), ...errors(404) },
      },
    },
    async (req) => ({ events: await trainings.events(req.params.id) }),
  );

  app.get(
    '/trainings/:id/logs',
    {
      schema: {
        tags,
        operationId: 'trainingLogs',
        summary: "The training's log, optionally followed live",
        params: IdParams,
        querystring: LogsQuery,
        response: { 200: LogText, ...errors(400, 404) },
      },
    },
    async (req, reply) => {
      const { id } = req.params;
      await trainings.get(id); // a missing training is a 404, answered before the stream starts
      return sendLogStream(reply, closing, (signal) => trainings.logs(id, { follow: req.query.follow ?? false, signal }));
    },
  );
}
