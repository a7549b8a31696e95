/** /api/v1/connections: where code and data live. Reads mask secrets; one privileged read does not. */
import { Type } from '@sinclair/typebox';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance } from 'fastify';
import { CONNECTION_TYPES } from '../../trainings/connections/schema.js';
import type { ConnectionService } from '../../trainings/connections/service.js';
import type { AdminToken } from './admin-token.js';
import { bodyWithPathId } from './path-id.js';
import { answer, ConnectionBody, ConnectionRef, errors, IdParams, NoContent } from './schemas.js';
import { YAML_TYPES } from './yaml-body.js';

const tags = ['connections'];
const consumes = ['application/json', ...YAML_TYPES];

const ListQuery = Type.Object({
  type: Type.Optional(Type.Union(CONNECTION_TYPES.map((t) => Type.Literal(t)), { description: 'only connections of this type' })),
});

export function connectionRoutes(scope: FastifyInstance, connections: ConnectionService, adminToken: AdminToken): void {
  const app = scope.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/connections',
    {
      schema: {
        tags,
        operationId: 'createConnection',
        summary: 'Create a connection; its secrets are stored encrypted',
        consumes,
        body: ConnectionBody,
        response: { 201: answer(ConnectionRef, 'Created; secrets masked'), ...errors(400, 413, 415) },
      },
    },
    async (req, reply) => reply.code(201).send(await connections.create(req.body)),
  );

  app.get(
    '/connections',
    {
      schema: {
        tags,
        operationId: 'listConnections',
        summary: 'List connections by id, secrets masked',
        querystring: ListQuery,
        response: { 200: answer(Type.Object({ connections: Type.Array(ConnectionRef) }), 'The connections, secrets masked'), ...errors(400) },
      },
    },
    async (req) => ({ connections: await connections.list(req.query) }),
  );

  app.get(
    '/connections/:id',
    { schema: { tags, operationId: 'getConnection', summary: 'One connection, secrets masked', params: IdParams, response: { 200: answer(ConnectionRef, 'The connection, secrets masked'), ...errors(404) } } },
    async (req) => connections.get(req.params.id),
  );

  app.put(
    '/connections/:id',
    {
      schema: {
        tags,
        operationId: 'editConnection',
        summary: 'Replace a connection',
        description: "A secret left out or sent back as '*****' keeps its stored value (unless the connection now points elsewhere); an empty string clears it.",
        consumes,
        params: IdParams,
        body: ConnectionBody,
        response: { 200: answer(ConnectionRef, 'The edited connection, secrets masked'), ...errors(400, 404, 413, 415) },
      },
    },
    async (req) => connections.edit(bodyWithPathId(req.body, req.params.id, 'connection')),
  );

  app.delete(
    '/connections/:id',
    {
      schema: { tags, operationId: 'deleteConnection', summary: 'Delete a connection', params: IdParams, response: { 204: NoContent, ...errors(404) } },
    },
    async (req, reply) => {
      await connections.delete(req.params.id);
      return reply.code(204).send();
    },
  );

  app.get(
    '/connections/:id/decrypted',
    {
      schema: {
        tags,
        operationId: 'getConnectionDecrypted',
        summary: 'One connection with its secrets in the clear (admin token required)',
        description:
          "Needs 'Authorization: Bearer <admin token>': the server's adminToken setting (TRAINYARD_ADMIN_TOKEN) or, when unset, the token the server " +
          'generated into $TRAINYARD_HOME/admin.token. A missing or wrong token is answered 403 PERMISSION_DENIED (never 401), before the connection is looked up.',
        security: [{ adminToken: [] }],
        params: IdParams,
        response: { 200: answer(ConnectionRef, 'The connection with its secrets in the clear'), ...errors(403, 404) },
      },
    },
    async (req, reply) => {
      adminToken.require(req.headers.authorization, 'Reading a connection with its secrets');
      const connection = await connections.getDecrypted(req.params.id);
      return reply.header('cache-control', 'no-store').send(connection);
    },
  );
}
