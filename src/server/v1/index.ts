/**
 * Trainyard's own API under /api/v1: one module per area, sharing the schema rules of
 * validation.ts, the YAML body parser, the error handler of the whole app and the OpenAPI document.
 */
import type { FastifyInstance } from 'fastify';
import type { Services } from '../../services.js';
import { AdminToken } from './admin-token.js';
import { connectionRoutes } from './connections.js';
import { serverClosing } from './log-stream.js';
import { scheduleRoutes } from './pipelines-schedules.js';
import { addPipelineSchemas } from './pipelines-schemas.js';
import { pipelineRoutes } from './pipelines.js';
import { registerOpenApi, V1_PREFIX } from './openapi.js';
import { addComponentSchemas } from './schemas.js';
import { sourceRoutes } from './sources.js';
import { trainingRoutes } from './trainings.js';
import { useV1Schemas } from './validation.js';
import { acceptYamlBodies } from './yaml-body.js';

export async function registerV1Api(app: FastifyInstance, services: Services): Promise<void> {
  // Read (or generated) now: a bad token setting stops the server at start, not at the first call.
  const adminToken = AdminToken.load(services.config.adminToken, services.config.home);
  addComponentSchemas(app);
  addPipelineSchemas(app);
  // Before the routes: the document is collected as routes are added.
  await registerOpenApi(app);
  const closing = serverClosing(app);
  await app.register(
    async (v1) => {
      useV1Schemas(v1);
      acceptYamlBodies(v1);
      trainingRoutes(v1, services.trainings, closing);
      connectionRoutes(v1, services.connections, adminToken);
      pipelineRoutes(v1, services.pipelines, closing);
      scheduleRoutes(v1, services.schedules);
      await v1.register((raw) => sourceRoutes(raw, services.snapshots, services.config.sourceUploadLimit));
    },
    { prefix: V1_PREFIX },
  );
}
