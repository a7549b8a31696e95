import type { FastifyError, FastifyInstance } from 'fastify';
import { TrainyardError } from '../errors.js';

/**
 * Every error leaves as MLflow's `{"error_code", "message"}` body with MLflow's HTTP status.
 * Validation problems also list each field in `details`. Unexpected errors are logged with their
 * stack and answered with a generic message: internals never reach the client.
 */
export function installErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError | TrainyardError | Error, req, reply) => {
    if (err instanceof TrainyardError) {
      const body: Record<string, unknown> = { error_code: err.code, message: err.message };
      if (err.problems) body.details = err.problems;
      return reply.status(err.httpStatus).send(body);
    }
    const fe = err as FastifyError;
    if (fe.validation) {
      const details = fe.validation.map((v) => ({ field: fieldOf(v.instancePath, v.params), message: v.message ?? 'is invalid' }));
      return reply.status(400).send({
        error_code: 'INVALID_PARAMETER_VALUE',
        message: `Invalid request: ${details.map((d) => `${d.field} ${d.message}`).join('; ')}`,
        details,
      });
    }
    switch (fe.code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return reply.status(413).send({ error_code: 'BAD_REQUEST', message: `Request body is larger than the limit of ${app.initialConfig.bodyLimit} bytes` });
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return reply.status(415).send({ error_code: 'BAD_REQUEST', message: `Unsupported Content-Type '${req.headers['content-type'] ?? ''}': send application/json` });
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return reply.status(400).send({ error_code: 'BAD_REQUEST', message: 'Content-Type is application/json but the body is empty' });
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
        return reply.status(400).send({ error_code: 'BAD_REQUEST', message: `Malformed JSON body: ${fe.message}` });
    }
    if (fe instanceof SyntaxError || fe.statusCode === 400) {
      return reply.status(400).send({ error_code: 'BAD_REQUEST', message: `Malformed request: ${fe.message}` });
    }
    req.log.error({ err, reqId: req.id, url: req.url.split('?')[0] }, 'request failed');
    return reply.status(500).send({ error_code: 'INTERNAL_ERROR', message: 'Internal server error; the server log has the details' });
  });

  app.setNotFoundHandler((req, reply) => {
    reply.status(404).send({ error_code: 'ENDPOINT_NOT_FOUND', message: `No API endpoint ${req.method} ${req.url.split('?')[0]}` });
  });
}

function fieldOf(instancePath: string, params: Record<string, unknown>): string {
  const base = instancePath.replace(/^\//, '').replaceAll('/', '.');
  const missing = params.missingProperty;
  if (typeof missing === 'string') return base ? `${base}.${missing}` : missing;
  const extra = params.additionalProperty;
  if (typeof extra === 'string') return base ? `${base}.${extra}` : extra;
  return base || '(body)';
}
