/**
 * Downloads one file over HTTP(S), streamed to disk. Credentials go in an Authorization header
 * (Basic for a user name and password, Bearer for a keySecret alone), never in the URL.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { invalid, notFound, TrainyardError } from '../../errors.js';
import type { ConnectionSpec } from '../connections/schema.js';

export interface HttpRemote {
  url: string;
  credentials?: string;
  shown: string;
}

/** The file's name: the last segment of the URL's path. A URL naming a folder is refused, as HTTP has no listing. */
export function httpFileName(remote: HttpRemote, label: string): string {
  const path = new URL(remote.url).pathname;
  const name = decodeURIComponent(path.slice(path.lastIndexOf('/') + 1));
  if (name === '' || name === '.' || name === '..' || name.includes('\\')) {
    throw invalid(`${label}: ${remote.shown} names a folder; an http(s) binding copies a single file, so give the file's URL`);
  }
  return name;
}

export async function downloadHttp(remote: HttpRemote, spec: ConnectionSpec, dest: string, label: string, signal?: AbortSignal): Promise<void> {
  const headers: Record<string, string> = {};
  const user = spec.username ?? userOf(remote.credentials);
  const password = spec.password ?? passwordOf(remote.credentials);
  if (user !== undefined || password !== undefined) headers.authorization = `Basic ${Buffer.from(`${user ?? ''}:${password ?? ''}`).toString('base64')}`;
  else if (spec.keySecret) headers.authorization = `Bearer ${spec.keySecret}`;
  let res: Response;
  try {
    res = await fetch(remote.url, { headers, redirect: 'follow', ...(signal ? { signal } : {}) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new TrainyardError('INTERNAL_ERROR', `${label}: cannot reach ${remote.shown}: ${cause?.code ?? cause?.message ?? (err as Error).message}`);
  }
  if (res.status === 404 || res.status === 410) {
    await res.body?.cancel();
    throw notFound(`${label} has nothing at ${remote.shown} (HTTP ${res.status})`);
  }
  if (!res.ok || !res.body) {
    await res.body?.cancel();
    const hint = res.status === 401 || res.status === 403 ? "; check the connection's credentials" : '';
    throw new TrainyardError(res.status === 401 || res.status === 403 ? 'PERMISSION_DENIED' : 'INTERNAL_ERROR', `${label}: ${remote.shown} answered HTTP ${res.status}${hint}`);
  }
  const expected = res.headers.get('content-length');
  await mkdir(dirname(dest), { recursive: true });
  const partial = `${dest}.partial`;
  let bytes = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      bytes += chunk.length;
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(res.body as WebReadableStream<Uint8Array>), count, createWriteStream(partial, { flags: 'wx' }));
    // A dropped connection can end a body early without an error; the length tells.
    if (expected !== null && res.headers.get('content-encoding') === null && Number(expected) !== bytes) {
      throw new TrainyardError('INTERNAL_ERROR', `${label}: ${remote.shown} sent ${bytes} of ${expected} bytes`);
    }
    await rename(partial, dest);
  } catch (err) {
    await rm(partial, { force: true });
    if (err instanceof TrainyardError) throw err;
    throw new TrainyardError('INTERNAL_ERROR', `${label}: downloading ${remote.shown} failed: ${(err as Error).message}`);
  }
}

function userOf(credentials: string | undefined): string | undefined {
  if (credentials === undefined) return undefined;
  const colon = credentials.indexOf(':');
  return decodeURIComponent(colon === -1 ? credentials : credentials.slice(0, colon));
}

function passwordOf(credentials: string | undefined): string | undefined {
  const colon = credentials?.indexOf(':') ?? -1;
  return colon === -1 ? undefined : decodeURIComponent(credentials!.slice(colon + 1));
}
