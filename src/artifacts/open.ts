import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid } from '../errors.js';
import { LocalArtifactStore } from './local.js';
import type { ArtifactStore } from './store.js';

export interface ArtifactStoreOptions {
  /** Endpoint of an S3-compatible service (MLFLOW_S3_ENDPOINT_URL). */
  s3EndpointUrl?: string | undefined;
}

/** Opens the artifact store for a destination: a folder path, `file://` URI, or `s3://bucket/prefix`. */
export async function openArtifactStore(uri: string, options: ArtifactStoreOptions = {}): Promise<ArtifactStore> {
  if (uri.startsWith('s3://')) {
    // Loaded on demand: the AWS SDK costs start-up time and memory that local setups never need.
    const { S3ArtifactStore } = await import('./s3.js');
    return await S3ArtifactStore.fromUri(uri, options);
  }
  if (uri.startsWith('file://')) return new LocalArtifactStore(fileURLToPath(uri));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) {
    throw invalid(`Unsupported artifact destination '${uri}': expected a folder, file:// or s3:// URI`);
  }
  return new LocalArtifactStore(resolve(uri));
}
