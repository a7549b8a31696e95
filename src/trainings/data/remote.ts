/**
 * Where a connection plus an optional remote path point: Odahu's rule is that remotePath replaces
 * the path part of the connection's URI. A local connection is the exception: its folder is the
 * root its bindings may reach, and remotePath is read inside it.
 */
import { posix, join } from 'node:path';
import { invalid, TrainyardError } from '../../errors.js';
import type { Connection } from '../connections/schema.js';
import { hasDotDot, localFolder, redactUri, splitUriCredentials } from '../connections/uri.js';

export type Remote =
  | { kind: 's3'; bucket: string; key: string; shown: string }
  | { kind: 'local'; path: string; shown: string }
  | { kind: 'http'; url: string; credentials?: string; shown: string };

export function resolveRemote(connection: Connection, remotePath: string | undefined, label: string): Remote {
  const { type, uri } = connection.spec;
  if (remotePath !== undefined && (remotePath.includes('\0') || hasDotDot(remotePath))) {
    throw invalid(`${label}: remotePath '${remotePath}' may not contain '..'`);
  }
  switch (type) {
    case 's3': {
      const url = new URL(uri);
      const key = remotePath !== undefined ? remotePath.replace(/^\/+/, '') : decodeURIComponent(url.pathname).replace(/^\/+/, '');
      return { kind: 's3', bucket: url.hostname, key, shown: `s3://${url.hostname}/${key}` };
    }
    case 'local': {
      const folder = localFolder(uri);
      if (!folder) throw invalid(`${label}: the connection's URI is not a local folder`);
      const rel = posix.normalize(`./${remotePath ?? ''}`).replace(/^\.\/?|\/$/g, '');
      const path = rel ? join(folder, rel) : folder;
      return { kind: 'local', path, shown: path };
    }
    case 'http':
    case 'https': {
      const { uri: bare, credentials } = splitUriCredentials(uri);
      const url = new URL(bare);
      if (remotePath !== undefined) url.pathname = remotePath.startsWith('/') ? remotePath : `/${remotePath}`;
      const out: Remote = { kind: 'http', url: url.toString(), shown: redactUri(url.toString()) };
      if (credentials !== undefined) out.credentials = credentials;
      return out;
    }
    case 'gcs':
    case 'azureblob':
      throw new TrainyardError('NOT_IMPLEMENTED', `${label}: not supported yet: gcs/azureblob data bindings come next; copy the data to an s3, http(s) or local connection`);
    default:
      throw invalid(`${label}: a ${type} connection holds no data; use an s3, http(s) or local connection`);
  }
}
