/**
 * Trainyard's TypeScript client, browser-safe parts. Node code that works with local files
 * imports `ArtifactFiles` from './artifacts-fs.js' and `uploadSource` from './v1-sources.js' as well.
 */
import { ArtifactsClient } from './artifacts.js';
import { HttpClient, type HttpClientOptions } from './http.js';
import { LoggedModelsClient } from './logged-models.js';
import { PipelinesClient } from './pipelines.js';
import { RegistryClient } from './registry.js';
import { TrackingClient } from './tracking.js';
import { V1Client } from './v1.js';

export * from './artifacts.js';
export * from './http.js';
export * from './log-batch.js';
export * from './logged-models.js';
export * from './pages.js';
export * from './pipelines.js';
export * from './registry.js';
export * from './tracking.js';
export * from './v1.js';

export interface TrainyardClient {
  http: HttpClient;
  tracking: TrackingClient;
  registry: RegistryClient;
  artifacts: ArtifactsClient;
  loggedModels: LoggedModelsClient;
  /** Trainyard's own API (/api/v1): trainings, connections, sources. */
  v1: V1Client;
  /** Pipeline runs and schedules (/api/v1). */
  pipelines: PipelinesClient;
}

/** All API clients over one shared transport (one connection pool, one set of headers). */
export function createClient(options: HttpClientOptions | string): TrainyardClient {
  const http = new HttpClient(options);
  return {
    http,
    tracking: new TrackingClient(http),
    registry: new RegistryClient(http),
    artifacts: new ArtifactsClient(http),
    loggedModels: new LoggedModelsClient(http),
    v1: new V1Client(http),
    pipelines: new PipelinesClient(http),
  };
}
