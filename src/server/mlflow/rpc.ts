import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Message } from './input.js';

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** An MLflow RPC: the handler gets the request message and returns the response message. */
export type RpcHandler = (msg: Message, req: FastifyRequest, reply: FastifyReply) => Promise<unknown>;

export interface Rpc {
  method: HttpMethod;
  /** Path below the API prefix, e.g. `/mlflow/runs/create`; `:name` segments are path parameters. */
  path: string;
  handler: RpcHandler;
}

/** MLflow serves every REST path under both prefixes; its web UI uses the ajax one. */
export const API_PREFIXES = ['/api/2.0', '/ajax-api/2.0'] as const;

export function registerRpcs(app: FastifyInstance, rpcs: readonly Rpc[], prefixes: readonly string[] = API_PREFIXES): void {
  for (const prefix of prefixes) {
    for (const rpc of rpcs) {
      app.route({
        method: rpc.method,
        url: prefix + rpc.path,
        handler: async (req, reply) => {
          const msg = messageOf(req);
          const out = await rpc.handler(msg, req, reply);
          if (reply.sent) return reply;
          reply.header('content-type', 'application/json');
          return out ?? {};
        },
      });
    }
  }
}

/** GET reads the query string; other methods read the JSON body, with query and path values as fallbacks. */
function messageOf(req: FastifyRequest): Message {
  const query = (req.query ?? {}) as Message;
  const params = (req.params ?? {}) as Message;
  if (req.method === 'GET') return { ...query, ...params };
  const body = req.body;
  const fromBody = body !== null && typeof body === 'object' && !Array.isArray(body) ? (body as Message) : {};
  return { ...query, ...fromBody, ...params };
}
