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

/** An open artifact: its bytes as a stream and their count, read from the same version of the file. */
export interface ArtifactDownload {
  body: Readable;
  size: number;
}

/** A part already received by a multipart upload, as the client reports it back on completion. */
export interface UploadedPart {
  partNumber: number;
  etag: string;
}

/** S3's bounds, kept by every store so a client sees the same rules whatever the destination. */
export const MULTIPART_LIMITS = { maxParts: 10_000 } as const;

/**
 * Where artifact bytes live. Every method streams: no artifact is ever held whole in memory.
 * Paths are relative, '/'-separated, already normalised by `normalizeArtifactPath`.
 */
export interface ArtifactStore {
  /** A human-readable location (no credentials), for logs and messages. */
  readonly location: string;
  /**
   * Writes a file, replacing any previous one; resolves with the bytes written. `size`, when the
   * caller knows it (a Content-Length), lets a store send the bytes in one request.
   */
  put(path: string, body: Readable, size?: number): Promise<{ size: number }>;
  /** Opens a file for reading; RESOURCE_DOES_NOT_EXIST when absent or a folder. */
  get(path: string): Promise<ArtifactDownload>;
  /** A file's size, or `isDir` for a folder (one with something in it, for object stores); undefined when absent. */
  stat(path: string): Promise<ArtifactStat | undefined>;
  /** The immediate children of a folder ('' is the root), sorted by path; empty when the folder does not exist or is a file. */
  list(path: string): Promise<ArtifactEntry[]>;
  /** Removes a file or a whole folder; nothing to remove is not an error. The root cannot be removed. */
  delete(path: string): Promise<void>;

  /** Starts a multipart upload of the file at `path`; resolves with its upload id. */
  createMultipartUpload(path: string): Promise<string>;
  /** Stores one part (numbered from 1, any order, re-sendable); resolves with its ETag. */
  uploadPart(path: string, uploadId: string, partNumber: number, body: Readable, size?: number): Promise<string>;
  /** Joins the listed parts, in part-number order, into the file at `path`, replacing any previous one. */
  completeMultipartUpload(path: string, uploadId: string, parts: UploadedPart[]): Promise<void>;
  /** Discards an upload and its parts. */
  abortMultipartUpload(path: string, uploadId: string): Promise<void>;
}
