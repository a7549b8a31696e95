import { invalid } from '../../errors.js';

/**
 * A PUT body names its resource by the URL: an id in the body must agree with it, and a body
 * without one gets it. Bodies that are not mappings pass through for the service to report.
 */
export function bodyWithPathId(body: unknown, id: string, what: string): unknown {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return body;
  const given = (body as { id?: unknown }).id;
  if (given === undefined) return { ...body, id };
  if (given !== id) {
    const message = `must be '${id}' (the id in the URL) or absent`;
    throw invalid(`The ${what} in the body has id ${JSON.stringify(given)} but the URL names '${id}'`, [{ field: 'id', message }]);
  }
  return body;
}
