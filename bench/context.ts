import type { BackendName } from '../test/support/backends.js';
import type { Fixture } from './fixtures.js';
import type { LoadClient } from './load-client.js';
import type { ServerProcess } from './server-process.js';

/** What a bench row gets: a running server on a fresh database of one backend, and a client to it. */
export interface BenchContext {
  backend: BackendName;
  /** Scratch folder of this backend's bench. */
  dir: string;
  server: ServerProcess;
  client: LoadClient;
  /**
   * A second server over its own database holding `fixture` (made through Trainyard's services, in
   * the bench process, and cached: see fixtures.ts); `use` drives it over HTTP.
   */
  withServer<T>(fixture: Fixture, use: (server: ServerProcess, client: LoadClient) => Promise<T>): Promise<T>;
}
