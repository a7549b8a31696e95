/**
 * What CLI commands call: one interface, two implementations. `embedded` opens the services of the
 * local configuration in this process; `remote` talks to a server's /api/v1 (`--server URL` or
 * TRAINYARD_SERVER). Commands parse flags, call this, and print.
 */
import type { Connection } from '../trainings/connections/schema.js';
import type { TrainingEvent, TrainingFilter } from '../trainings/repository.js';
import type { ModelTraining } from '../trainings/resource.js';

export type { Connection, ModelTraining, TrainingEvent, TrainingFilter };

/** A manifest as read from a file, and the folder its relative paths start from. */
export interface Submission {
  manifest: Record<string, unknown>;
  baseDir: string;
}

/** What a finished training's run holds, for the summary printed after a wait. */
export interface RunSummary {
  runId: string;
  experimentId: string;
  /** Latest value of each metric. */
  metrics: Record<string, number | string>;
}

export interface TrainyardApi {
  readonly mode: 'embedded' | 'remote';
  /**
   * Whether a training keeps running after this command exits. On a server it does; embedded, the
   * training runs inside the command, so commands wait for it and cancel it when interrupted.
   */
  readonly trainingsOutliveCommand: boolean;
  /** Where the web UI shows runs (for links like `<url>/#/experiments/1/runs/abc`). */
  readonly uiUrl: string;

  createTraining(submission: Submission): Promise<ModelTraining>;
  /** Replaces the spec and runs the training again. */
  editTraining(submission: Submission): Promise<ModelTraining>;
  getTraining(id: string): Promise<ModelTraining>;
  listTrainings(filter?: TrainingFilter): Promise<ModelTraining[]>;
  deleteTraining(id: string): Promise<void>;
  cancelTraining(id: string): Promise<ModelTraining>;
  /** State changes, oldest first, across generations. */
  trainingEvents(id: string): Promise<TrainingEvent[]>;
  /** The training's log; with `follow`, as it is written until the training has finished. An abort ends it quietly. */
  trainingLogs(id: string, options?: { follow?: boolean; signal?: AbortSignal }): AsyncIterable<Uint8Array>;
  runSummary(runId: string): Promise<RunSummary>;

  createConnection(input: Record<string, unknown>): Promise<Connection>;
  editConnection(input: Record<string, unknown>): Promise<Connection>;
  /** Secrets masked, unless `decrypted` (the privileged read). */
  getConnection(id: string, options?: { decrypted?: boolean }): Promise<Connection>;
  listConnections(): Promise<Connection[]>;
  deleteConnection(id: string): Promise<void>;

  close(): Promise<void>;
}

export interface ApiOptions {
  /** `--server URL`; TRAINYARD_SERVER when not given; embedded when neither is set. */
  server?: string | undefined;
  /** Admin token for privileged reads on a server; TRAINYARD_ADMIN_TOKEN when not given. */
  token?: string | undefined;
  env?: NodeJS.ProcessEnv;
}

/** The remote API when a server is named, else the embedded one over the local configuration. */
export async function openApi(options: ApiOptions = {}): Promise<TrainyardApi> {
  const env = options.env ?? process.env;
  const server = options.server ?? (env.TRAINYARD_SERVER || undefined);
  if (server !== undefined) {
    const { RemoteApi } = await import('./remote.js');
    return RemoteApi.connect(server, { token: options.token ?? (env.TRAINYARD_ADMIN_TOKEN || undefined) });
  }
  const { EmbeddedApi } = await import('./embedded.js');
  return EmbeddedApi.open();
}

/** Opens the API, runs `work` with it, and always closes it. */
export async function withApi<T>(options: ApiOptions, work: (api: TrainyardApi) => Promise<T>): Promise<T> {
  const api = await openApi(options);
  try {
    return await work(api);
  } finally {
    await api.close();
  }
}
