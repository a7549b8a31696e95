import type { BackendName } from '../test/support/backends.js';
import type { Services } from '../src/services.js';
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
   * A second server over its own fresh database. `seed` runs first, in the bench process, through
   * Trainyard's services on that database (bulk fixtures without HTTP round trips); then the server
   * starts on it and `use` drives it over HTTP.
   */
  withServer<T>(seed: (services: Services) => Promise<void>, use: (server: ServerProcess, client: LoadClient) => Promise<T>): Promise<T>;
}
