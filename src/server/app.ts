import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { Services } from '../services.js';
import { MLFLOW_COMPAT_VERSION, VERSION } from '../version.js';
import { registerArtifactRoutes } from './artifacts.js';
import { installErrorHandling } from './errors.js';
import { experimentRpcs } from './mlflow/experiments.js';
import { loggedModelRpcs } from './mlflow/logged-models.js';
import { metricRpcs } from './mlflow/metrics.js';
import { registryRpcs } from './mlflow/registry.js';
import { registerRpcs } from './mlflow/rpc.js';
import { runInputRpcs } from './mlflow/run-inputs.js';
import { runRpcs } from './mlflow/runs.js';
import { searchRpcs } from './mlflow/search.js';
import { registerV1Api } from './v1/index.js';
import { registerWeb, type WebOptions } from './web.js';

export interface AppOptions {
  /** pino logger options, or false for none (tests); `stream` receives the log lines (tests that read them). */
  logger?: boolean | { level: string; stream?: { write(line: string): void } };
  /** Where the built web UI is (default web/dist of this package). */
  web?: WebOptions;
}

/** The HTTP application: routes translate requests into service calls and hold no business logic. */
export async function buildApp(services: Services, options: AppOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.logger ?? { level: services.config.logLevel },
    logController: new LogController({ disableRequestLogging: true }),
    // A child logger per request costs a logging call's worth of CPU on every request, though
    // requests are not logged; the one place that logs one (the error handler) names its id.
    childLoggerFactory: (logger) => logger,
    bodyLimit: services.config.bodyLimit,
    // MLflow's query strings repeat keys for lists (run_ids=a&run_ids=b); they arrive as arrays.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1000 },
  });
  installErrorHandling(app);

  // Some MLflow clients post JSON without a JSON content type; read any text body as JSON.
  app.addContentTypeParser(['text/plain', 'application/x-www-form-urlencoded'], { parseAs: 'string' }, (_req, body, done) => {
    if (body === '') return done(null, {});
    try {
      done(null, JSON.parse(body as string));
    } catch (err) {
      (err as { statusCode?: number }).statusCode = 400;
      done(err as Error, undefined);
    }
  });

  app.get('/health', async (_req, reply) => reply.type('text/plain').send('OK'));
  // Clients read /version as MLflow's version; Trainyard's own rides along in a header.
  app.get('/version', async (_req, reply) => reply.type('text/plain').header('x-trainyard-version', VERSION).send(MLFLOW_COMPAT_VERSION));

  const t = services.tracking;
  registerRpcs(app, [...experimentRpcs(t), ...runRpcs(t), ...metricRpcs(t), ...searchRpcs(t)]);
  registerRpcs(app, [...runInputRpcs(t), ...registryRpcs(t), ...loggedModelRpcs(t, services.artifacts)]);
  registerArtifactRoutes(app, services.artifacts, t);
  await registerV1Api(app, services);
  await registerWeb(app, options.web);
  return app;
}
