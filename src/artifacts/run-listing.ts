import { invalid } from '../errors.js';
import { proxyPathOf } from './proxy-uri.js';
import type { ArtifactStore } from './store.js';

/** One listed entry as MLflow's ListArtifacts answers it: path relative to the run's root. */
export interface RunArtifactFile {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/**
 * The store path of `path` (relative, already checked) under an artifact root URI the proxy
 * keeps (`mlflow-artifacts:/...`); refuses roots kept elsewhere.
 */
export function storePathUnder(rootUri: string, path: string): string {
  const root = proxyPathOf(rootUri);
  if (root === undefined) {
    throw invalid(`Artifacts at '${rootUri}' are not kept by this server's artifact store; read them from that location directly`);
  }
  return [root, path].filter((p) => p !== '').join('/');
}

/**
 * Lists a folder of a run's (or logged model's) artifacts kept by the proxy store. `path` is
 * relative to the artifact root and already checked; the entries come back relative to the root
 * too, as MLflow's tracking API returns them.
 */
export async function listUnderRoot(store: ArtifactStore, rootUri: string, path: string): Promise<RunArtifactFile[]> {
  const entries = await store.list(storePathUnder(rootUri, path));
  return entries.map((e) => {
    const name = e.path.slice(e.path.lastIndexOf('/') + 1);
    const rel = path === '' ? name : `${path}/${name}`;
    return e.isDir ? { path: rel, is_dir: true } : { path: rel, is_dir: false, file_size: e.size ?? 0 };
  });
}
