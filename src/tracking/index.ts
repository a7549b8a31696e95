import type { Store } from '../store/open.js';
import { trackingContext, type TrackingContext } from './context.js';
import { ExperimentService } from './experiments.js';
import { RunInputService } from './inputs.js';
import { LoggedModelService } from './logged-models.js';
import { createRegistry, type Registry } from './registry/index.js';
import { RunService } from './runs.js';

/** The tracking services over one store. */
export interface Tracking {
  ctx: TrackingContext;
  experiments: ExperimentService;
  runs: RunService;
  /** Dataset and model inputs, model outputs and log-model history of runs. */
  runInputs: RunInputService;
  loggedModels: LoggedModelService;
  registry: Registry;
}

export interface TrackingOptions {
  defaultArtifactRoot?: string;
}

export async function createTracking(store: Store, options: TrackingOptions = {}): Promise<Tracking> {
  const ctx = trackingContext(store, options.defaultArtifactRoot);
  const experiments = new ExperimentService(ctx);
  const runs = new RunService(ctx, experiments);
  await experiments.ensureDefault();
  const runInputs = new RunInputService(ctx, runs);
  const loggedModels = new LoggedModelService(ctx, experiments);
  const registry = createRegistry(ctx);
  return { ctx, experiments, runs, runInputs, loggedModels, registry };
}
