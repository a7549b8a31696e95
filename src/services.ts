import type { Config } from './config.js';
import { openArtifactStore } from './artifacts/open.js';
import type { ArtifactStore } from './artifacts/store.js';
import { dockerExecutorFor } from './executors/docker/index.js';
import { createDispatcher, isTerminal, type Dispatcher } from './jobs/index.js';
import { openStore, type Store } from './store/open.js';
import { createTracking, type Tracking } from './tracking/index.js';
import { SecretBox } from './trainings/connections/sealed.js';
import { loadSecretKey } from './trainings/connections/secret-key.js';
import { ConnectionService } from './trainings/connections/service.js';
import { SourceSnapshots } from './trainings/sources/snapshots.js';
import { TrainingService } from './trainings/service.js';
import { PipelineService } from './pipelines/service.js';
import { ScheduleService } from './pipelines/schedules/service.js';

/** Everything a server or an embedded CLI command works with, opened from one configuration. */
export interface Services {
  config: Config;
  store: Store;
  /** The store behind `mlflow-artifacts:/` URIs (the artifact proxy). */
  artifacts: ArtifactStore;
  tracking: Tracking;
  connections: ConnectionService;
  snapshots: SourceSnapshots;
  dispatcher: Dispatcher;
  trainings: TrainingService;
  pipelines: PipelineService;
  schedules: ScheduleService;
  /** Tells trainings where this process serves the tracking API, once it listens. */
  setServerUrl(url: string): void;
  /**
   * Starts background work: dispatching jobs, settling trainings and resuming pipeline runs left
   * by an earlier process, and (unless `scheduler: false`, as short-lived CLI commands ask) firing schedules.
   */
  start(options?: { scheduler?: boolean }): Promise<void>;
  close(): Promise<void>;
}

export interface ServiceHooks {
  warn?(message: string): void;
}

export async function openServices(config: Config, hooks: ServiceHooks = {}): Promise<Services> {
  const artifacts = await openArtifactStore(config.artifactsDestination, { s3EndpointUrl: config.s3EndpointUrl });
  // Read before anything is opened: a wrong key or an exposed key file stops start-up, not a training later.
  const box = new SecretBox(loadSecretKey({ home: config.home }));
  const store = await openStore(config.backendStoreUri);
  let started = false;
  try {
    const tracking = await createTracking(store);
    const connections = new ConnectionService(store.db, box);
    const snapshots = new SourceSnapshots(config.home);
    const docker = dockerExecutorFor(config);
    const dispatcher = await createDispatcher(config, store.db, { executors: [docker] });
    // Containers of jobs that ended while no server was there to remove them go once Docker is used.
    docker.sweepOnFirstUse(async (id) => {
      const job = await dispatcher.queue.get(id);
      return job !== undefined && isTerminal(job.state);
    });
    let serverUrl = `http://${config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host}:${config.port}`;
    const trainings = new TrainingService({
      tracking,
      artifacts,
      connections,
      snapshots,
      dispatcher,
      home: config.home,
      s3EndpointUrl: config.s3EndpointUrl,
      trackingUri: () => config.trackingUri ?? serverUrl,
      ...(hooks.warn && { warn: hooks.warn }),
    });
    const pipelines = new PipelineService({
      tracking,
      artifacts,
      connections,
      snapshots,
      dispatcher,
      trainings,
      images: docker,
      home: config.home,
      s3EndpointUrl: config.s3EndpointUrl,
      trackingUri: () => config.trackingUri ?? serverUrl,
      staleAfterMs: config.jobStaleSeconds * 1000,
    });
    const schedules = new ScheduleService({ db: store.db, pipelines, trainings, connections, snapshots, ...(hooks.warn && { warn: hooks.warn }) });
    return {
      config,
      store,
      artifacts,
      tracking,
      connections,
      snapshots,
      dispatcher,
      trainings,
      pipelines,
      schedules,
      setServerUrl(url: string) {
        serverUrl = url;
      },
      async start(options: { scheduler?: boolean } = {}) {
        // Pipeline job events are heard from the dispatcher's first pass (trainings.start starts it).
        pipelines.attach();
        await trainings.start();
        await pipelines.start();
        if (options.scheduler !== false) await schedules.start();
        started = true;
      },
      async close() {
        // Running jobs keep running; the next start reattaches them.
        if (started) {
          await schedules.stop();
          await pipelines.stop();
          await trainings.stop();
        }
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
