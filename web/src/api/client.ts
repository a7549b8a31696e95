/** The one API client of the UI: Trainyard's TypeScript client over the page's own origin. */
import { createClient } from '../../../src/clients/index.js';
import { V1Client } from '../../../src/clients/v1.js';

export const api = createClient({ baseUrl: window.location.origin, retries: 2, retryDelayMs: 300 });

/** The download URL of one file of a run's artifacts (streamed by the server from any store). */
export function artifactUrl(runId: string, path: string): string {
  return `/get-artifact?${new URLSearchParams({ run_uuid: runId, path })}`;
}

/** Trainyard's own API (/api/v1): trainings and connections. */
export const v1 = new V1Client(api.http);
