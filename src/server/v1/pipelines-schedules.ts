/** /api/v1/schedules: cron schedules of pipelines and trainings, with their next and last firing. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import type { ScheduleService, ScheduleView } from '../../pipelines/schedules/service.js';
import { answer, errors, IdParams, NoContent, Ref } from './schemas.js';
import { YAML_TYPES } from './yaml-body.js';

const tags = ['schedules'];
const ScheduleRef = Ref<ScheduleView>('Schedule');

export function scheduleRoutes(scope: FastifyInstance, schedules: ScheduleService): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/schedules',
    {
      schema: {
        tags,
        operationId: 'createSchedule',
        summary: 'Create a schedule',
        description:
          'Validates the cron expression, time zone and target (a Pipeline manifest with params, or a ModelTraining manifest) at once. ' +
          'A local source must be uploaded first (POST /api/v1/sources) and named by its snapshot hash; the server never reads its own folders for a client.',
        consumes: ['application/json', ...YAML_TYPES],
        body: Type.Unsafe<unknown>({ $ref: 'ScheduleManifest#' }),
        response: { 201: answer(ScheduleRef, 'Created, with its next firing'), ...errors(400, 413, 415) },
      },
    },
    async (req, reply) => reply.code(201).send(await schedules.create(req.body, { localPaths: false })),
  );

  app.get(
    '/schedules',
    {
      schema: {
        tags,
        operationId: 'listSchedules',
        summary: 'List schedules with their next and last firing',
        response: { 200: answer(Type.Object({ schedules: Type.Array(ScheduleRef) }), 'Every schedule, by id') },
      },
    },
    async () => ({ schedules: await schedules.list() }),
  );

  app.get(
    '/schedules/:id',
    { schema: { tags, operationId: 'getSchedule', summary: 'One schedule with its latest firings', params: IdParams, response: { 200: answer(ScheduleRef, 'The schedule'), ...errors(404) } } },
    async (req) => schedules.get(req.params.id),
  );

  app.delete(
    '/schedules/:id',
    {
      schema: { tags, operationId: 'deleteSchedule', summary: 'Delete a schedule (what it started keeps running)', params: IdParams, response: { 204: NoContent, ...errors(404) } },
    },
    async (req, reply) => {
      await schedules.delete(req.params.id);
      return reply.code(204).send();
    },
  );
}
