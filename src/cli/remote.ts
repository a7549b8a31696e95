/**
 * The remote API: a Trainyard server's /api/v1 through the TypeScript client. A server never reads
 * folders from the submitter's disk, so a manifest whose source is `algorithmSource.local.path`
 * has that folder (relative to the manifest file) uploaded first and is sent with the snapshot's
 * hash instead.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadConfig } from '../config.js';
import { HttpClient } from '../clients/http.js';
import { TrackingClient } from '../clients/tracking.js';
import { V1Client } from '../clients/v1.js';
import type { TrainingManifestInput } from '../clients/v1.js';
import { uploadSource } from '../clients/v1-sources.js';
import type { ConnectionInput } from '../trainings/connections/schema.js';
import { ADMIN_TOKEN_FILE } from '../server/v1/admin-token.js';
import type { Connection, ModelTraining, RunSummary, Submission, TrainingEvent, TrainingFilter, TrainyardApi } from './api.js';
import { CliError } from './errors.js';

export class RemoteApi implements TrainyardApi {
  readonly mode = 'remote' as const;
  readonly trainingsOutliveCommand = true;
  readonly uiUrl: string;

  private constructor(
    private readonly client: V1Client,
    private readonly tracking: TrackingClient,
    private readonly token: string | undefined,
  ) {
    this.uiUrl = client.http.baseUrl;
  }

  static async connect(server: string, options: { token?: string | undefined } = {}): Promise<RemoteApi> {
    let http: HttpClient;
    try {
      http = new HttpClient({ baseUrl: server, retries: 2 });
    } catch (err) {
      throw new CliError(`--server: ${(err as Error).message}`);
    }
    return new RemoteApi(new V1Client(http), new TrackingClient(http), options.token);
  }

  async createTraining(s: Submission): Promise<ModelTraining> {
    return this.client.createTraining(await this.withUploadedSource(s));
  }

  async editTraining(s: Submission): Promise<ModelTraining> {
    return this.client.editTraining(await this.withUploadedSource(s));
  }

  getTraining(id: string): Promise<ModelTraining> {
    return this.client.getTraining(id);
  }

  listTrainings(filter: TrainingFilter = {}): Promise<ModelTraining[]> {
    return this.client.listTrainings(filter);
  }

  deleteTraining(id: string): Promise<void> {
    return this.client.deleteTraining(id);
  }

  cancelTraining(id: string): Promise<ModelTraining> {
    return this.client.cancelTraining(id);
  }

  trainingEvents(id: string): Promise<TrainingEvent[]> {
    return this.client.trainingEvents(id);
  }

  trainingLogs(id: string, options: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    return this.client.trainingLogs(id, options);
  }

  async runSummary(runId: string): Promise<RunSummary> {
    const run = await this.tracking.getRun(runId);
    const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
    return { runId, experimentId: run.info.experiment_id, metrics };
  }

  createConnection(input: Record<string, unknown>): Promise<Connection> {
    return this.client.createConnection(input as unknown as ConnectionInput);
  }

  editConnection(input: Record<string, unknown>): Promise<Connection> {
    if (typeof input.id !== 'string') throw new CliError('the connection has no id; name the connection to edit');
    return this.client.editConnection(input as unknown as ConnectionInput);
  }

  getConnection(id: string, options: { decrypted?: boolean } = {}): Promise<Connection> {
    if (!options.decrypted) return this.client.getConnection(id);
    const token = this.token ?? localAdminToken();
    if (token === undefined) {
      throw new CliError(`--decrypted on a server needs its admin token: --token TOKEN or TRAINYARD_ADMIN_TOKEN (the server's adminToken, or its $TRAINYARD_HOME/${ADMIN_TOKEN_FILE})`);
    }
    return this.client.getConnectionDecrypted(id, token);
  }

  listConnections(): Promise<Connection[]> {
    return this.client.listConnections();
  }

  deleteConnection(id: string): Promise<void> {
    return this.client.deleteConnection(id);
  }

  async close(): Promise<void> {}

  /** The manifest to send: a local source folder uploaded and replaced by its snapshot hash. */
  private async withUploadedSource(s: Submission): Promise<TrainingManifestInput> {
    const manifest = s.manifest as unknown as TrainingManifestInput;
    const spec = record(s.manifest.spec);
    const source = record(spec?.algorithmSource);
    const local = record(source?.local);
    // Anything malformed goes as it is: the server's validation names every problem at once.
    if (!spec || !source || !local || local.snapshot !== undefined || typeof local.path !== 'string' || local.path === '') return manifest;
    const folder = resolve(s.baseDir, local.path);
    let hash: string;
    try {
      hash = (await uploadSource(this.client, folder)).hash;
    } catch (err) {
      // Packing problems (no such folder, a link leading out) are plain Errors; API errors keep their type.
      if (err instanceof Error && err.name === 'Error') throw new CliError(`spec.algorithmSource.local.path: ${err.message}`);
      throw err;
    }
    const uploaded = { ...s.manifest, spec: { ...spec, algorithmSource: { ...source, local: { ...local, snapshot: hash } } } };
    return uploaded as unknown as TrainingManifestInput;
  }
}

function record(v: unknown): Record<string, unknown> | undefined {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
}

/** On the server's own machine, the token file in the configured home (readable by its owner only). */
function localAdminToken(): string | undefined {
  const file = join(loadConfig().home, ADMIN_TOKEN_FILE);
  if (!existsSync(file)) return undefined;
  try {
    return readFileSync(file, 'utf8').trim() || undefined;
  } catch {
    return undefined;
  }
}
