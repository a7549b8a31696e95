import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';
import { buildApp } from '../../src/server/app.js';
import { DEFAULT_WEB_ROOT } from '../../src/server/web.js';
import { openServices, type Services } from '../../src/services.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';
import { ensureWebBuilt } from './web-build.js';

const HTML = { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' };

describe('the server serves the web UI', () => {
  let db: TestDatabase;
  let home: string;
  let services: Services;
  let root: string;
  const apps: FastifyInstance[] = [];
  const appWith = async (webRoot: string) => {
    const app = await buildApp(services, { logger: false, web: { root: webRoot } });
    apps.push(app);
    return app;
  };

  beforeAll(async () => {
    db = await createTestDatabase('sqlite');
    home = mkdtempSync(join(tmpdir(), 'trainyard-web-'));
    services = await openServices(loadConfig({ home, backendStoreUri: db.uri }, {}));
    root = join(home, 'dist');
    mkdirSync(join(root, 'assets'), { recursive: true });
    writeFileSync(join(root, 'index.html'), '<!doctype html><div id="root"></div><script src="/assets/app-1a2b3c.js"></script>');
    writeFileSync(join(root, 'assets', 'app-1a2b3c.js'), 'console.log(1)');
    writeFileSync(join(root, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
    writeFileSync(join(home, 'secret.txt'), 'not for the web');
  });
  afterAll(async () => {
    for (const app of apps) await app.close();
    await services.close();
    await db.drop();
    rmSync(home, { recursive: true, force: true });
  });

  it('answers / and client routes with the page, revalidated on every load', async () => {
    const app = await appWith(root);
    for (const url of ['/', '/experiments/1', '/runs/0123abcd?tab=metrics', '/compare?runs=a,b', '/models/my.model']) {
      const res = await app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['content-type'], url).toMatch(/^text\/html/);
      expect(res.headers['cache-control'], url).toBe('no-cache');
      expect(res.body, url).toContain('<div id="root">');
    }
    // A client route without an extension is the page even when the client did not ask for HTML.
    expect((await app.inject({ url: '/trainings/quickstart' })).body).toContain('<div id="root">');
  });

  it('caches hashed assets for good and other files briefly', async () => {
    const app = await appWith(root);
    const js = await app.inject({ url: '/assets/app-1a2b3c.js' });
    expect(js.statusCode).toBe(200);
    expect(js.headers['content-type']).toMatch(/javascript/);
    expect(js.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(js.body).toBe('console.log(1)');
    const icon = await app.inject({ url: '/favicon.svg' });
    expect(icon.statusCode).toBe(200);
    expect(icon.headers['cache-control']).toBe('public, max-age=0');
    expect(icon.headers.etag).toBeDefined();
  });

  it('answers a missing asset with 404, not the page', async () => {
    const app = await appWith(root);
    const res = await app.inject({ url: '/assets/gone-123.js' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
  });

  it('keeps the APIs and their JSON 404s', async () => {
    const app = await appWith(root);
    expect((await app.inject({ url: '/health', headers: HTML })).body).toBe('OK');
    expect((await app.inject({ url: '/version', headers: HTML })).statusCode).toBe(200);
    const search = await app.inject({ method: 'POST', url: '/api/2.0/mlflow/experiments/search', payload: { max_results: 10 } });
    expect(search.statusCode).toBe(200);
    for (const url of ['/api/2.0/mlflow/nope', '/ajax-api/2.0/mlflow/nope', '/api/v9/things', '/api']) {
      const res = await app.inject({ url, headers: HTML });
      expect(res.statusCode, url).toBe(404);
      expect(res.json(), url).toMatchObject({ error_code: 'ENDPOINT_NOT_FOUND' });
    }
    const artifact = await app.inject({ url: '/get-artifact?path=x', headers: HTML });
    expect(artifact.statusCode).toBe(400);
    expect(artifact.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE' });
    expect((await app.inject({ method: 'POST', url: '/experiments/1' })).statusCode).toBe(404);
    // The API docs keep their own pages.
    const docs = await app.inject({ url: '/docs/', headers: HTML });
    expect(docs.statusCode).toBe(200);
    expect(docs.body).toContain('swagger');
    expect(docs.body).not.toContain('<div id="root">');
    expect((await app.inject({ url: '/api/v1/openapi.json' })).json()).toHaveProperty('openapi');
  });

  it('never serves files outside its folder', async () => {
    const app = await appWith(root);
    for (const url of ['/../secret.txt', '/%2e%2e/secret.txt', '/assets/%2e%2e/%2e%2e/secret.txt', '/assets/..%2f..%2fsecret.txt']) {
      const res = await app.inject({ url });
      expect(res.body, url).not.toContain('not for the web');
    }
  });

  it('says how to build the UI when it is not built', async () => {
    const app = await appWith(join(home, 'no-such-dist'));
    const res = await app.inject({ url: '/experiments', headers: HTML });
    expect(res.statusCode).toBe(503);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.body).toContain('npm run build');
    expect((await app.inject({ url: '/health' })).body).toBe('OK');
  });

  it('serves the real build: the page and the hashed assets it loads', async () => {
    await ensureWebBuilt();
    const app = await appWith(DEFAULT_WEB_ROOT);
    const page = await app.inject({ url: '/', headers: HTML });
    expect(page.statusCode).toBe(200);
    expect(page.body).toBe(readFileSync(join(DEFAULT_WEB_ROOT, 'index.html'), 'utf8'));
    const assets = [...page.body.matchAll(/(?:src|href)="(\/assets\/[^"]+)"/g)].map((m) => m[1]!);
    expect(assets.length).toBeGreaterThanOrEqual(2);
    for (const url of assets) {
      const res = await app.inject({ url });
      expect(res.statusCode, url).toBe(200);
      expect(res.headers['cache-control'], url).toContain('immutable');
    }
  });
});
