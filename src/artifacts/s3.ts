import { invalid } from '../errors.js';
import type { ArtifactStore } from './store.js';
import type { ArtifactStoreOptions } from './open.js';

// Placeholder until the S3 store lands: refuses clearly rather than pretending.
export const S3ArtifactStore = {
  fromUri(uri: string, _options: ArtifactStoreOptions): ArtifactStore {
    throw invalid(`S3 artifact destinations ('${uri}') are not available in this build yet`);
  },
};
