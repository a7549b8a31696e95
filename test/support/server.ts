import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type ConfigOverrides } from '../../src/config.js';
import { openServices, type Services } from '../../src/services.js';
import { buildApp, type AppOptions } from '../../src/server/app.js';
import { createTestDatabase, type BackendName } from './backends.js';

export interface TestServer {
  url: string;
  home: string;
  services: Services;
  app: FastifyInstance;
  close(): Promise<void>;
}

/** A real server on a loopback port over a fresh database of the given backend (no logging unless `appOptions` asks). */
export async function startTestServer(backend: BackendName, overrides: ConfigOverrides = {}, appOptions: AppOptions = { logger: false }): Promise<TestServer> {
  const home = mkdtempSync(join(tmpdir(), 'trainyard-home-'));
  const database = await createTestDatabase(backend);
  const config = loadConfig({ home, backendStoreUri: database.uri, port: 0, ...overrides }, {});
  const services = await openServices(config);
  const app = await buildApp(services, appOptions);
  await app.listen({ host: '127.0.0.1', port: 0 });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  services.setServerUrl(`http://127.0.0.1:${port}`);
  await services.start();
  return {
    url: `http://127.0.0.1:${port}`,
    home,
    services,
    app,
    async close() {
      await app.close();
      await services.close();
      await database.drop();
      rmSync(home, { recursive: true, force: true });
    },
  };
}
