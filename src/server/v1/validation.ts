/**
 * How /api/v1 routes use their schemas. Params and query strings are converted (strings to numbers
 * and booleans) and checked with TypeBox, every problem reported in one 400. Bodies are only
 * documented: the services validate them, collecting every mistake of a manifest into one answer,
 * which a route-level check would cut short. Responses are written as they are: a schema that
 * left a field out must not silently drop it.
 */
import type { TSchema } from '@sinclair/typebox';
import { Value } from '@sinclair/typebox/value';
import type { FastifyInstance } from 'fastify';
import { ProblemList } from '../../errors.js';
import { schemaProblems } from '../../trainings/manifest/validate.js';

type Result = { value: unknown } | { error: Error };

export function useV1Schemas(scope: FastifyInstance): void {
  scope.setValidatorCompiler<TSchema>(({ schema, httpPart }) => {
    if (httpPart === 'body') return () => true;
    const where = httpPart === 'querystring' ? 'query parameter' : httpPart === 'params' ? 'path parameter' : httpPart ?? 'request';
    return (data: unknown): Result => {
      const value = Value.Convert(schema, data);
      if (Value.Check(schema, value)) return { value };
      const problems = new ProblemList();
      schemaProblems(schema, value, problems);
      try {
        problems.throwIfAny(`Invalid ${where}`);
      } catch (err) {
        return { error: err as Error };
      }
      return { value };
    };
  });
  scope.setSerializerCompiler(() => (data) => JSON.stringify(data));
}
