/**
 * Client for Trainyard's own API under `/api/v1`: trainings, connections and source archives
 * (pipelines and schedules: pipelines.ts).
 * Browser-safe: packing a local folder for `uploadSourceArchive` lives in v1-sources.ts (Node).
 */
import type { Connection, ConnectionInput, ConnectionType } from '../trainings/connections/schema.js';
import type { TrainingManifestInput } from '../trainings/manifest/schema.js';
import type { TrainingEvent } from '../trainings/repository.js';
import type { ModelTraining, TrainingState } from '../trainings/resource.js';
import { HttpClient, type HttpClientOptions, type RawBody } from './http.js';

export type { Connection, ConnectionInput, ConnectionType, ModelTraining, TrainingEvent, TrainingManifestInput, TrainingState };

export const V1 = '/api/v1';

export interface TrainingListFilter {
  modelName?: string;
  modelVersion?: string;
  state?: TrainingState;
}

export interface LogOptions {
  /** Keep streaming until the training has finished. */
  follow?: boolean;
  /** Stops the stream early; the iteration then ends without an error. */
  signal?: AbortSignal;
}

export interface SourceSnapshotRef {
  /** Content hash of the stored source; give it as `spec.algorithmSource.local.snapshot`. */
  hash: string;
}

const trainingPath = (id: string) => `${V1}/trainings/${encodeURIComponent(id)}`;
const connectionPath = (id: string) => `${V1}/connections/${encodeURIComponent(id)}`;

export class V1Client {
  readonly http: HttpClient;

  constructor(http: HttpClient | HttpClientOptions | string) {
    this.http = http instanceof HttpClient ? http : new HttpClient(http);
  }

  // ---- trainings ----

  /** Submits a new training; the answer shows every default filled in. */
  createTraining(manifest: TrainingManifestInput): Promise<ModelTraining> {
    return this.http.post<ModelTraining>(`${V1}/trainings`, manifest);
  }

  /** Replaces a training's spec and runs it again (a new generation). The manifest must name its id. */
  editTraining(manifest: TrainingManifestInput): Promise<ModelTraining> {
    if (!manifest.id) throw new TypeError('editTraining: the manifest has no id; name the training to edit');
    return this.http.json<ModelTraining>('PUT', trainingPath(manifest.id), { body: manifest });
  }

  getTraining(id: string): Promise<ModelTraining> {
    return this.http.get<ModelTraining>(trainingPath(id));
  }

  /** Newest first. */
  async listTrainings(filter: TrainingListFilter = {}): Promise<ModelTraining[]> {
    const res = await this.http.get<{ trainings: ModelTraining[] }>(`${V1}/trainings`, { ...filter });
    return res.trainings;
  }

  async deleteTraining(id: string): Promise<void> {
    await this.http.json('DELETE', trainingPath(id));
  }

  /** Stops the current run; the answer may still say `running` until the process has ended. */
  cancelTraining(id: string): Promise<ModelTraining> {
    return this.http.post<ModelTraining>(`${trainingPath(id)}/cancel`);
  }

  /** The state timeline, oldest first, across generations. */
  async trainingEvents(id: string): Promise<TrainingEvent[]> {
    const res = await this.http.get<{ events: TrainingEvent[] }>(`${trainingPath(id)}/events`);
    return res.events;
  }

  /** The training's log as it is written: with `follow`, until the training has finished. */
  trainingLogs(id: string, options: LogOptions = {}): AsyncGenerator<Uint8Array> {
    return this.http.stream(`${trainingPath(id)}/logs`, { query: { follow: options.follow ?? false }, signal: options.signal });
  }

  // ---- connections ----

  /** Creates a connection; the answer has its secrets masked. */
  createConnection(connection: ConnectionInput): Promise<Connection> {
    return this.http.post<Connection>(`${V1}/connections`, connection);
  }

  /** Replaces a connection. A secret left out, or sent back masked, keeps its stored value. */
  editConnection(connection: ConnectionInput): Promise<Connection> {
    return this.http.json<Connection>('PUT', connectionPath(connection.id), { body: connection });
  }

  getConnection(id: string): Promise<Connection> {
    return this.http.get<Connection>(connectionPath(id));
  }

  async listConnections(filter: { type?: ConnectionType } = {}): Promise<Connection[]> {
    const res = await this.http.get<{ connections: Connection[] }>(`${V1}/connections`, { ...filter });
    return res.connections;
  }

  async deleteConnection(id: string): Promise<void> {
    await this.http.json('DELETE', connectionPath(id));
  }

  /** The privileged read with secrets in the clear; needs the server's admin token. */
  getConnectionDecrypted(id: string, adminToken: string): Promise<Connection> {
    return this.http.json<Connection>('GET', `${connectionPath(id)}/decrypted`, { headers: { authorization: `Bearer ${adminToken}` } });
  }

  // ---- sources ----

  /**
   * Uploads a .tar.gz of a source folder (sent as it is read when a stream); the server stores it
   * as a snapshot. `uploadSource` in v1-sources.ts packs a local folder for this.
   */
  async uploadSourceArchive(archive: RawBody, signal?: AbortSignal): Promise<SourceSnapshotRef> {
    const res = await this.http.send('POST', `${V1}/sources`, { body: archive, headers: { 'content-type': 'application/gzip', accept: 'application/json' }, signal });
    return (await res.json()) as SourceSnapshotRef;
  }
}
