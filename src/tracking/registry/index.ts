import type { TrackingContext } from '../context.js';
import { ModelVersionService } from './model-versions.js';
import { RegisteredModelService } from './registered-models.js';

/** The MLflow model registry: registered models (with tags and aliases) and their versions. */
export interface Registry {
  models: RegisteredModelService;
  versions: ModelVersionService;
}

export function createRegistry(ctx: TrackingContext): Registry {
  return { models: new RegisteredModelService(ctx), versions: new ModelVersionService(ctx) };
}
