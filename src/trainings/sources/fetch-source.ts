/**
 * Puts a training's code into its workspace, whichever kind of source the manifest names: a
 * stored snapshot of a local folder, a git connection, or an object-storage path.
 */
import { invalid } from '../../errors.js';
import type { TrainingSource } from '../manifest/types.js';
import type { Connection } from '../connections/schema.js';
import type { FetchContext } from '../data/fetch.js';
import { fetchGitSource } from './git.js';
import { fetchObjectStorageSource } from './object-storage.js';
import type { SourceSnapshots } from './snapshots.js';

export interface SourceContext extends FetchContext {
  snapshots: SourceSnapshots;
  /** The decrypted connection with this id (ConnectionService.getDecrypted). */
  connection(id: string): Promise<Connection>;
  /** Git only: called with the commit id as soon as the reference is resolved. */
  onCommit?: (commit: string) => void | Promise<void>;
}

export interface FetchedSource {
  /** Git: the commit checked out. */
  commit?: string;
  /** Local: the snapshot's content hash. */
  snapshot?: string;
}

/** Fills `dest` (a workspace's src folder, absent or empty) with the source's code. */
export async function fetchSource(source: TrainingSource, dest: string, ctx: SourceContext): Promise<FetchedSource> {
  switch (source.kind) {
    case 'local': {
      // The folder itself is read only at submit time; running takes what was snapshotted then.
      if (!source.snapshot) throw invalid(`The local source '${source.path}' was not snapshotted at submit; submit the training again`);
      await ctx.snapshots.materialize(source.snapshot, dest);
      return { snapshot: source.snapshot };
    }
    case 'git': {
      const git = await fetchGitSource({
        connection: await ctx.connection(source.connection),
        reference: source.reference,
        dest,
        ...(ctx.onCommit ? { onCommit: ctx.onCommit } : {}),
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      return { commit: git.commit };
    }
    case 'objectStorage':
      await fetchObjectStorageSource({ connection: await ctx.connection(source.connection), path: source.path, dest, s3EndpointUrl: ctx.s3EndpointUrl, signal: ctx.signal });
      return {};
  }
}
