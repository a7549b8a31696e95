import type { Config } from './config.js';
import { openArtifactStore } from './artifacts/open.js';
import type { ArtifactStore } from './artifacts/store.js';
import { openStore, type Store } from './store/open.js';
import { createTracking, type Tracking } from './tracking/index.js';

/** Everything a server or an embedded CLI command works with, opened from one configuration. */
export interface Services {
  config: Config;
  store: Store;
  /** The store behind `mlflow-artifacts:/` URIs (the artifact proxy). */
  artifacts: ArtifactStore;
  tracking: Tracking;
  close(): Promise<void>;
}

export async function openServices(config: Config): Promise<Services> {
  const artifacts = await openArtifactStore(config.artifactsDestination, { s3EndpointUrl: config.s3EndpointUrl });
  const store = await openStore(config.backendStoreUri);
  try {
    const tracking = await createTracking(store);
    return {
      config,
      store,
      artifacts,
      tracking,
      async close() {
        await store.close();
      },
    };
  } catch (err) {
    await store.close();
    throw err;
  }
}
