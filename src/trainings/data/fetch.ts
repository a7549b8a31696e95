/**
 * Copies what a connection points at (S3 object or prefix, local file or folder, one HTTP file)
 * to local disk. Shared by data bindings and object-storage sources; every message starts with
 * the caller's label so it names what was being fetched.
 */
import { copyFile, cp, mkdir, stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { notFound } from '../../errors.js';
import type { Connection } from '../connections/schema.js';
import { downloadHttp, httpFileName } from './http.js';
import { resolveRemote } from './remote.js';

export interface FetchContext {
  /** S3-compatible endpoint for s3 connections that name none (TRAINYARD_S3_ENDPOINT_URL). */
  s3EndpointUrl?: string | undefined;
  signal?: AbortSignal | undefined;
}

export interface Placement {
  /** Where a folder's contents land. */
  dir: string;
  /** Where a single file lands, given its remote name. */
  file(name: string): string;
}

export type Fetched = { kind: 'file'; path: string } | { kind: 'folder' };

/** `label` opens every message, e.g. "Data binding spec.data[0] (localPath 'x'): connection 'wine'". */
export async function fetchRemote(connection: Connection, remotePath: string | undefined, place: Placement, label: string, ctx: FetchContext = {}): Promise<Fetched> {
  const remote = resolveRemote(connection, remotePath, label);
  switch (remote.kind) {
    case 's3': {
      // Loaded on demand: the AWS SDK costs memory a server without S3 connections never needs.
      const { downloadS3, s3Client } = await import('./s3.js');
      const client = s3Client(connection.spec, ctx.s3EndpointUrl, label);
      try {
        const got = await downloadS3(client, remote, place, label);
        return got.kind === 'file' ? { kind: 'file', path: place.file(got.name) } : { kind: 'folder' };
      } finally {
        client.destroy();
      }
    }
    case 'http': {
      const path = place.file(httpFileName(remote, label));
      await downloadHttp(remote, connection.spec, path, label, ctx.signal);
      return { kind: 'file', path };
    }
    case 'local': {
      const info = await stat(remote.path).catch(() => undefined);
      if (!info) throw notFound(`${label} has nothing at ${remote.shown}`);
      if (info.isDirectory()) {
        await mkdir(place.dir, { recursive: true });
        await cp(remote.path, place.dir, { recursive: true, verbatimSymlinks: true, force: true });
        return { kind: 'folder' };
      }
      const path = place.file(basename(remote.path));
      await mkdir(dirname(path), { recursive: true });
      await copyFile(remote.path, path);
      return { kind: 'file', path };
    }
  }
}
