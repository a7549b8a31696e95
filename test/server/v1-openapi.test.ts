import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';

type Json = Record<string, unknown>;
const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'options', 'head', 'trace'];
const TYPES = new Set(['string', 'number', 'integer', 'boolean', 'object', 'array', 'null']);
// JSON Schema 2020-12 keywords (OpenAPI 3.1's dialect) plus OpenAPI's own annotations.
const KEYWORDS = new Set([
  '$ref', '$id', '$schema', '$comment', 'title', 'description', 'default', 'examples', 'example', 'deprecated', 'readOnly', 'writeOnly',
  'type', 'enum', 'const', 'format', 'pattern', 'minLength', 'maxLength', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf',
  'properties', 'required', 'additionalProperties', 'patternProperties', 'propertyNames', 'minProperties', 'maxProperties',
  'items', 'prefixItems', 'minItems', 'maxItems', 'uniqueItems', 'contains',
  'anyOf', 'oneOf', 'allOf', 'not', 'if', 'then', 'else', 'discriminator', 'xml', 'externalDocs', 'contentMediaType', 'contentEncoding',
]);

/** Walks a schema; returns the problems found (an empty list for a valid one). */
function schemaProblems(schema: unknown, at: string, resolve: (ref: string) => unknown): string[] {
  if (typeof schema === 'boolean') return [];
  if (schema === null || typeof schema !== 'object' || Array.isArray(schema)) return [`${at}: a schema must be an object or a boolean`];
  const s = schema as Json;
  const out: string[] = [];
  for (const key of Object.keys(s)) if (!KEYWORDS.has(key) && !key.startsWith('x-')) out.push(`${at}: unknown keyword '${key}'`);
  if (typeof s.$ref === 'string' && resolve(s.$ref) === undefined) out.push(`${at}: $ref ${s.$ref} does not resolve`);
  const types = Array.isArray(s.type) ? s.type : s.type === undefined ? [] : [s.type];
  for (const t of types) if (!TYPES.has(t as string)) out.push(`${at}: unknown type '${String(t)}'`);
  if (s.required !== undefined) {
    if (!Array.isArray(s.required) || s.required.some((r) => typeof r !== 'string')) out.push(`${at}: required must list names`);
    else for (const r of s.required) if (s.properties && !(r in (s.properties as Json))) out.push(`${at}: required '${r}' is not a property`);
  }
  if (s.enum !== undefined && (!Array.isArray(s.enum) || s.enum.length === 0)) out.push(`${at}: enum must be a non-empty array`);
  if (s.pattern !== undefined) {
    try {
      new RegExp(s.pattern as string, 'u');
    } catch {
      out.push(`${at}: pattern is not a regular expression`);
    }
  }
  for (const key of ['properties', 'patternProperties'] as const) {
    if (s[key] !== undefined) for (const [name, sub] of Object.entries(s[key] as Json)) out.push(...schemaProblems(sub, `${at}.${key}.${name}`, resolve));
  }
  for (const key of ['items', 'additionalProperties', 'not', 'propertyNames', 'contains', 'if', 'then', 'else'] as const) {
    if (s[key] !== undefined) out.push(...schemaProblems(s[key], `${at}.${key}`, resolve));
  }
  for (const key of ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const) {
    if (s[key] === undefined) continue;
    if (!Array.isArray(s[key])) out.push(`${at}.${key}: must be an array`);
    else (s[key] as unknown[]).forEach((sub, i) => out.push(...schemaProblems(sub, `${at}.${key}[${i}]`, resolve)));
  }
  return out;
}

/** Every `$ref` anywhere in the document. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) value.forEach((v) => refsIn(v, out));
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refsIn(v, out);
    }
  }
  return out;
}

describe('the /api/v1 OpenAPI document and /docs', () => {
  let server: TestServer;
  let doc: Json;
  let resolve: (ref: string) => unknown;
  beforeAll(async () => {
    server = await startTestServer('sqlite');
    const res = await fetch(`${server.url}/api/v1/openapi.json`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/json');
    doc = (await res.json()) as Json;
    resolve = (ref) => {
      if (!ref.startsWith('#/')) return undefined;
      let node: unknown = doc;
      for (const part of ref.slice(2).split('/')) node = node && typeof node === 'object' ? (node as Json)[part.replaceAll('~1', '/').replaceAll('~0', '~')] : undefined;
      return node;
    };
  });
  afterAll(async () => server?.close());

  it('is an OpenAPI 3.1 document with info, paths and component schemas', () => {
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info).toMatchObject({ title: 'Trainyard API', version: expect.any(String) });
    expect(Object.keys((doc.components as Json).schemas as Json)).toEqual(
      expect.arrayContaining(['Error', 'ModelTraining', 'ModelTrainingManifest', 'TrainingSpec', 'TrainingStatus', 'TrainingEvent', 'Connection', 'ConnectionInput', 'ConnectionSpec', 'SourceSnapshot']),
    );
  });

  it('describes every /api/v1 route and nothing else', () => {
    const paths = doc.paths as Record<string, Json>;
    const operations = Object.entries(paths).flatMap(([path, item]) => Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => `${m.toUpperCase()} ${path}`));
    expect(operations.sort()).toEqual(
      [
        'POST /api/v1/trainings',
        'GET /api/v1/trainings',
        'GET /api/v1/trainings/{id}',
        'PUT /api/v1/trainings/{id}',
        'DELETE /api/v1/trainings/{id}',
        'POST /api/v1/trainings/{id}/cancel',
        'GET /api/v1/trainings/{id}/events',
        'GET /api/v1/trainings/{id}/logs',
        'POST /api/v1/connections',
        'GET /api/v1/connections',
        'GET /api/v1/connections/{id}',
        'PUT /api/v1/connections/{id}',
        'DELETE /api/v1/connections/{id}',
        'GET /api/v1/connections/{id}/decrypted',
        'POST /api/v1/sources',
        'POST /api/v1/pipelines',
        'POST /api/v1/pipelines/plan',
        'GET /api/v1/pipelines',
        'GET /api/v1/pipelines/{id}',
        'POST /api/v1/pipelines/{id}/cancel',
        'GET /api/v1/pipelines/{id}/tasks/{task}/logs',
        'POST /api/v1/schedules',
        'GET /api/v1/schedules',
        'GET /api/v1/schedules/{id}',
        'DELETE /api/v1/schedules/{id}',
      ].sort(),
    );
  });

  it('gives every operation an id, a tag, its path parameters and responses with the error shape', () => {
    const ids = new Set<string>();
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item).filter(([m]) => METHODS.includes(m)) as [string, Json][]) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.operationId, where).toEqual(expect.any(String));
        expect(ids.has(op.operationId as string), `${where}: duplicate operationId`).toBe(false);
        ids.add(op.operationId as string);
        expect((op.tags as string[]).length, where).toBeGreaterThan(0);
        const params = (op.parameters ?? []) as Json[];
        for (const name of [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1])) {
          expect(params.find((p) => p.in === 'path' && p.name === name), `${where}: path parameter ${name}`).toMatchObject({ required: true });
        }
        const responses = op.responses as Record<string, Json>;
        const statuses = Object.keys(responses);
        expect(statuses.some((s) => s.startsWith('2')), `${where}: a success answer`).toBe(true);
        for (const [status, response] of Object.entries(responses)) {
          expect(response.description, `${where} ${status}: description`).toEqual(expect.any(String));
          if (status.startsWith('4')) {
            expect(response.content, `${where} ${status}`).toEqual({ 'application/json': { schema: { $ref: '#/components/schemas/Error' } } });
          }
        }
      }
    }
  });

  it('documents the request bodies: manifests as JSON or YAML, connections, and raw archives', () => {
    const paths = doc.paths as Record<string, Record<string, Json>>;
    const create = paths['/api/v1/trainings']!.post!.requestBody as Json;
    expect(Object.keys(create.content as Json).sort()).toEqual(['application/json', 'application/x-yaml', 'application/yaml', 'text/yaml']);
    expect((create.content as Json)['application/yaml']).toEqual({ schema: { $ref: '#/components/schemas/ModelTrainingManifest' } });
    expect(((paths['/api/v1/connections/{id}']!.put!.requestBody as Json).content as Json)['application/json']).toEqual({ schema: { $ref: '#/components/schemas/ConnectionInput' } });
    expect(((paths['/api/v1/sources']!.post!.requestBody as Json).content as Json)['application/gzip']).toEqual({ schema: { type: 'string', format: 'binary' } });
    expect(Object.keys((paths['/api/v1/trainings/{id}/logs']!.get!.responses as Record<string, Json>)['200']!.content as Json)).toEqual(['text/plain']);
    expect(paths['/api/v1/connections/{id}/decrypted']!.get!.security).toEqual([{ adminToken: [] }]);
    expect((doc.components as Json).securitySchemes).toMatchObject({ adminToken: { type: 'http', scheme: 'bearer' } });
  });

  it('resolves every $ref inside the document', () => {
    const refs = refsIn(doc);
    expect(refs.length).toBeGreaterThan(20);
    for (const ref of refs) expect(resolve(ref), ref).toBeDefined();
  });

  it('holds only JSON Schema in component, parameter, body and response schemas', () => {
    const problems: string[] = [];
    for (const [name, schema] of Object.entries((doc.components as Json).schemas as Json)) problems.push(...schemaProblems(schema, `components.schemas.${name}`, resolve));
    for (const [path, item] of Object.entries(doc.paths as Record<string, Json>)) {
      for (const [method, op] of Object.entries(item).filter(([m]) => METHODS.includes(m)) as [string, Json][]) {
        const where = `${method} ${path}`;
        for (const p of (op.parameters ?? []) as Json[]) problems.push(...schemaProblems(p.schema, `${where} parameter ${String(p.name)}`, resolve));
        const bodies = Object.entries(((op.requestBody as Json | undefined)?.content ?? {}) as Record<string, Json>);
        for (const [type, media] of bodies) problems.push(...schemaProblems(media.schema, `${where} body ${type}`, resolve));
        for (const [status, response] of Object.entries(op.responses as Record<string, Json>)) {
          for (const [type, media] of Object.entries((response.content ?? {}) as Record<string, Json>)) problems.push(...schemaProblems(media.schema, `${where} ${status} ${type}`, resolve));
        }
      }
    }
    expect(problems).toEqual([]);
  });

  it('notices broken schemas (the checker itself)', () => {
    const none = () => undefined;
    expect(schemaProblems({ type: 'str' }, 's', none)).toEqual(["s: unknown type 'str'"]);
    expect(schemaProblems({ properties: { a: { $ref: '#/x' } }, required: ['b'] }, 's', none)).toEqual(["s: required 'b' is not a property", 's.properties.a: $ref #/x does not resolve']);
    expect(schemaProblems({ minLenght: 1 }, 's', none)).toEqual(["s: unknown keyword 'minLenght'"]);
  });

  it('serves the same document at /docs/json and a Swagger UI whose assets come from this server', async () => {
    const json = await fetch(`${server.url}/docs/json`);
    expect(await json.json()).toEqual(doc);
    const page = await fetch(`${server.url}/docs/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    const html = await page.text();
    const assets = [...html.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThan(2);
    for (const url of assets) expect(url, 'no CDN').not.toMatch(/^(https?:)?\/\//);
    for (const url of assets.filter((u) => u.endsWith('.js') || u.endsWith('.css'))) {
      const res = await fetch(new URL(url, `${server.url}/docs/`));
      expect(res.status, url).toBe(200);
      expect((await res.arrayBuffer()).byteLength, url).toBeGreaterThan(100);
    }
  });
});
