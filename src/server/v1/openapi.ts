/**
 * The OpenAPI 3.1 document of /api/v1, generated from the routes' TypeBox schemas, served at
 * /api/v1/openapi.json and browsable at /docs (Swagger UI, its assets served from the package,
 * no CDN). Only /api/v1 goes in: the MLflow-compatible routes are MLflow's API and its own
 * reference documents them.
 */
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { VERSION } from '../../version.js';

export const V1_PREFIX = '/api/v1';

export async function registerOpenApi(app: FastifyInstance): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Trainyard API',
        version: VERSION,
        description:
          "Trainyard's own API: ModelTraining resources, connections and source uploads. Every error answer is " +
          '`{error_code, message, details?}`; a request with several mistakes gets one 400 listing each in `details`. ' +
          'The MLflow-compatible tracking API (/api/2.0/mlflow/...) is not described here: it follows MLflow\'s REST reference.',
      },
      tags: [
        { name: 'trainings', description: 'ModelTraining manifests: submit, read, re-run, cancel, delete, follow logs' },
        { name: 'connections', description: 'Where code and data live; secrets stored encrypted and masked on read' },
        { name: 'sources', description: 'Local source folders uploaded as .tar.gz snapshots' },
        { name: 'pipelines', description: 'Pipelines of cached tasks: submit, plan (dry run), read runs with each task state, follow task logs, cancel' },
        { name: 'schedules', description: 'Cron schedules of pipelines and trainings, with their next and last firing' },
      ],
      components: {
        securitySchemes: {
          adminToken: { type: 'http', scheme: 'bearer', description: "The server's admin token (adminToken setting or $TRAINYARD_HOME/admin.token)" },
        },
      },
    },
    // Components keep their own names ($id), so references read #/components/schemas/ModelTraining.
    refResolver: { buildLocalReference: (json, _base, _fragment, i) => (typeof json.$id === 'string' ? json.$id : `def-${i}`) },
    transform: ({ schema, url }) => ({ schema: url.startsWith(`${V1_PREFIX}/`) ? schema : { ...schema, hide: true }, url }),
  });
  await app.register(swaggerUi, { routePrefix: '/docs', uiConfig: { docExpansion: 'list', deepLinking: true } });
  app.get(`${V1_PREFIX}/openapi.json`, { schema: { hide: true } }, async () => app.swagger());
}
