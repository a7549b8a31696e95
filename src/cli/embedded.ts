/**
 * The embedded API: the services of the local configuration (SQLite and artifacts under
 * ./.trainyard or TRAINYARD_HOME by default) opened in this process. Reads need nothing more;
 * running a training also needs what a server gives it, so the first submission starts the
 * tracking API on an ephemeral loopback port and the dispatcher, for as long as the command runs.
 */
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { FastifyInstance } from 'fastify';
import { loadConfig, type ConfigOverrides } from '../config.js';
import { commandWorkerId } from '../jobs/index.js';
import { openServices, type Services } from '../services.js';
import { OUTPUT_ARTIFACTS, RESULTS_ARTIFACTS, runArtifactRoot } from '../trainings/results/collect.js';
import type { Connection, ModelTraining, RunSummary, Submission, TrainingEvent, TrainingFilter, TrainyardApi } from './api.js';

export interface CopiedResults {
  /** Paths of the copied archives. */
  archives: string[];
  /** The copy of the training's output folder. */
  output: string;
}

export class EmbeddedApi implements TrainyardApi {
  readonly mode = 'embedded' as const;
  readonly trainingsOutliveCommand = false;
  /** Where `trainyard server` on this configuration serves the UI (the in-process server is gone after the command). */
  readonly uiUrl: string;
  private app: FastifyInstance | undefined;
  private running: Promise<void> | undefined;

  private constructor(readonly services: Services) {
    const { host, port } = services.config;
    const reachable = host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host;
    this.uiUrl = `http://${reachable.includes(':') ? `[${reachable}]` : reachable}:${port}`;
  }

  static async open(overrides: ConfigOverrides = {}): Promise<EmbeddedApi> {
    const loaded = loadConfig(overrides);
    // The server's worker id stays the server's: what a killed command leaves is then taken over.
    const config = { ...loaded, workerId: commandWorkerId(loaded.workerId) };
    const services = await openServices(config, { warn: (message) => process.stderr.write(`warning: ${message}\n`) });
    return new EmbeddedApi(services);
  }

  async createTraining(s: Submission): Promise<ModelTraining> {
    await this.ensureRunning();
    return this.services.trainings.create(s.manifest, { localPaths: true, baseDir: s.baseDir });
  }

  async editTraining(s: Submission): Promise<ModelTraining> {
    await this.ensureRunning();
    return this.services.trainings.edit(s.manifest, { localPaths: true, baseDir: s.baseDir });
  }

  getTraining(id: string): Promise<ModelTraining> {
    return this.services.trainings.get(id);
  }

  listTrainings(filter: TrainingFilter = {}): Promise<ModelTraining[]> {
    return this.services.trainings.list(filter);
  }

  deleteTraining(id: string): Promise<void> {
    return this.services.trainings.delete(id);
  }

  cancelTraining(id: string): Promise<ModelTraining> {
    return this.services.trainings.cancel(id);
  }

  trainingEvents(id: string): Promise<TrainingEvent[]> {
    return this.services.trainings.events(id);
  }

  trainingLogs(id: string, options: { follow?: boolean; signal?: AbortSignal } = {}): AsyncIterable<Uint8Array> {
    return this.services.trainings.logs(id, options);
  }

  async runSummary(runId: string): Promise<RunSummary> {
    const run = await this.services.tracking.runs.get(runId);
    const metrics = Object.fromEntries((run.data.metrics ?? []).map((m) => [m.key, m.value]));
    return { runId, experimentId: run.info.experiment_id, metrics };
  }

  createConnection(input: Record<string, unknown>): Promise<Connection> {
    return this.services.connections.create(input);
  }

  editConnection(input: Record<string, unknown>): Promise<Connection> {
    return this.services.connections.edit(input);
  }

  getConnection(id: string, options: { decrypted?: boolean } = {}): Promise<Connection> {
    // Whoever can open this machine's store and key file may read the secrets: no token to check.
    return options.decrypted ? this.services.connections.getDecrypted(id) : this.services.connections.get(id);
  }

  listConnections(): Promise<Connection[]> {
    return this.services.connections.list();
  }

  deleteConnection(id: string): Promise<void> {
    return this.services.connections.delete(id);
  }

  /** Copies a finished training's result archives and output folder out of the artifact store into `dir`. */
  async copyResults(training: ModelTraining, dir: string): Promise<CopiedResults> {
    const runId = training.status.runId;
    if (!runId) throw new Error(`training ${training.id} has no run to copy results from`);
    const root = runArtifactRoot((await this.services.tracking.runs.get(runId)).info.artifact_uri);
    await mkdir(dir, { recursive: true });
    const archives: string[] = [];
    for (const a of training.status.artifacts) {
      const target = join(dir, a.artifactName);
      await this.download(`${root}/${RESULTS_ARTIFACTS}/${a.artifactName}`, target);
      archives.push(target);
    }
    const output = join(dir, OUTPUT_ARTIFACTS);
    await this.downloadFolder(`${root}/${OUTPUT_ARTIFACTS}`, output);
    return { archives, output };
  }

  async close(): Promise<void> {
    try {
      await this.app?.close();
    } finally {
      await this.services.close();
    }
  }

  /** Serves the tracking API on a loopback port and starts background work, once: whatever runs something (a training, a pipeline) calls it first. */
  ensureRunning(): Promise<void> {
    this.running ??= (async () => {
      // Loaded only here: commands that just read the store start faster without the HTTP stack.
      const { buildApp } = await import('../server/app.js');
      const app = await buildApp(this.services, { logger: false });
      this.app = app;
      await app.listen({ host: '127.0.0.1', port: 0 });
      const address = app.server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      this.services.setServerUrl(`http://127.0.0.1:${port}`);
      // A command is no scheduler: schedules fire from `trainyard server`, which outlives what it starts.
      await this.services.start({ scheduler: false });
    })();
    return this.running;
  }

  private async download(from: string, to: string): Promise<void> {
    const { body } = await this.services.artifacts.get(from);
    await mkdir(dirname(to), { recursive: true });
    await pipeline(body, createWriteStream(to));
  }

  private async downloadFolder(from: string, to: string): Promise<void> {
    await mkdir(to, { recursive: true });
    for (const entry of await this.services.artifacts.list(from)) {
      // Listed paths come from the store, normalised: the last segment is a plain name.
      const name = entry.path.slice(entry.path.lastIndexOf('/') + 1);
      if (entry.isDir) await this.downloadFolder(entry.path, join(to, name));
      else await this.download(entry.path, join(to, name));
    }
  }
}
