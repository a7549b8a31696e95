/**
 * Manifests may be posted as YAML, as users keep them. Parsed with YAML 1.2's core schema (no
 * language-specific tags, so nothing but plain data comes out), one document only, aliases bounded
 * so a small body cannot expand into a huge one, and the body itself size-limited.
 */
import type { FastifyInstance } from 'fastify';
import { parse } from 'yaml';
import { TrainyardError } from '../../errors.js';

export const YAML_TYPES = ['application/yaml', 'application/x-yaml', 'text/yaml'];
/** Manifests and connections are small; a larger YAML body is a mistake or an attack. */
export const YAML_BODY_LIMIT = 1024 * 1024;

export function acceptYamlBodies(scope: FastifyInstance): void {
  scope.addContentTypeParser(YAML_TYPES, { parseAs: 'string', bodyLimit: YAML_BODY_LIMIT }, (_req, body, done) => {
    try {
      done(null, parseYamlBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });
}

export function parseYamlBody(text: string): unknown {
  try {
    return parse(text, { schema: 'core', resolveKnownTags: false, maxAliasCount: 100, uniqueKeys: true, prettyErrors: true, logLevel: 'error' });
  } catch (err) {
    throw new TrainyardError('BAD_REQUEST', `Malformed YAML body: ${(err as Error).message}`);
  }
}
