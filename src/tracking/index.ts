import type { Store } from '../store/open.js';
import { trackingContext, type TrackingContext } from './context.js';
import { ExperimentService } from './experiments.js';
import { RunService } from './runs.js';

/** The tracking services over one store. */
export interface Tracking {
  ctx: TrackingContext;
  experiments: ExperimentService;
  runs: RunService;
}

export interface TrackingOptions {
  defaultArtifactRoot?: string;
}

export async function createTracking(store: Store, options: TrackingOptions = {}): Promise<Tracking> {
  const ctx = trackingContext(store, options.defaultArtifactRoot);
  const experiments = new ExperimentService(ctx);
  const runs = new RunService(ctx, experiments);
  await experiments.ensureDefault();
  return { ctx, experiments, runs };
}
