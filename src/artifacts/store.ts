import type { Readable } from 'node:stream';

/** One entry of a folder listing; paths are relative to the store root, '/'-separated. */
export interface ArtifactEntry {
  path: string;
  isDir: boolean;
  /** Bytes, for files. */
  size?: number;
}

export interface ArtifactStat {
  isDir: boolean;
  size: number;
}

/**
 * Where artifact bytes live. Every method streams: no artifact is ever held whole in memory.
 * Paths are relative, '/'-separated, already normalised by `normalizeArtifactPath`.
 */
export interface ArtifactStore {
  /** A human-readable location (no credentials), for logs and messages. */
  readonly location: string;
  /** Writes a file, replacing any previous one; resolves with the bytes written. */
  put(path: string, body: Readable): Promise<{ size: number }>;
  /** Opens a file for reading; RESOURCE_DOES_NOT_EXIST when absent. */
  get(path: string): Promise<Readable>;
  stat(path: string): Promise<ArtifactStat | undefined>;
  /** The immediate children of a folder ('' is the root); empty when the folder does not exist. */
  list(path: string): Promise<ArtifactEntry[]>;
  /** Removes a file or a whole folder. */
  delete(path: string): Promise<void>;
}
