/**
 * Copies an S3 object or every object under a prefix to local files, with the connection's own
 * credentials (or the AWS SDK's standard chain when it has none). Streams: nothing is held whole.
 */
import { GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid, notFound, TrainyardError } from '../../errors.js';
import { normalizeArtifactPath } from '../../artifacts/paths.js';
import type { ConnectionSpec } from '../connections/schema.js';

const PARALLEL_DOWNLOADS = 4;

export function s3Client(spec: ConnectionSpec, endpoint: string | undefined, label: string): S3Client {
  if (spec.role) throw invalid(`${label}: the connection sets a role; assuming a role is not supported yet: give keyID and keySecret`);
  const config: S3ClientConfig = {
    region: spec.region || process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION || 'us-east-1',
    // Newer SDKs add CRC checksums to every request by default; many S3-compatible servers reject them.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    followRegionRedirects: true,
  };
  if (spec.keyID && spec.keySecret) config.credentials = { accessKeyId: spec.keyID, secretAccessKey: spec.keySecret };
  else if (spec.keyID || spec.keySecret) throw invalid(`${label}: the connection gives only one of keyID and keySecret; give both, or neither to use the machine's AWS credentials`);
  const url = spec.endpoint || endpoint;
  if (url) Object.assign(config, { endpoint: url, forcePathStyle: true });
  return new S3Client(config);
}

export type S3Fetched = { kind: 'file'; name: string } | { kind: 'folder'; files: number };

/**
 * A key naming an object is downloaded to `file(name)`; otherwise (or when it ends with '/') every
 * object under it lands in `dir`, keeping the key's relative path. Nothing there at all is a
 * RESOURCE_DOES_NOT_EXIST naming the full remote path.
 */
export async function downloadS3(
  client: S3Client,
  remote: { bucket: string; key: string; shown: string },
  place: { dir: string; file: (name: string) => string },
  label: string,
): Promise<S3Fetched> {
  const { bucket, key } = remote;
  if (key !== '' && !key.endsWith('/')) {
    const head = await attempt(() => client.send(new HeadObjectCommand({ Bucket: bucket, Key: key })), remote, label, true);
    if (head) {
      const name = key.slice(key.lastIndexOf('/') + 1);
      await getObject(client, bucket, key, place.file(name), remote, label);
      return { kind: 'file', name };
    }
  }
  const prefix = key === '' || key.endsWith('/') ? key : `${key}/`;
  let files = 0;
  let token: string | undefined;
  do {
    const page = await attempt(() => client.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token })), remote, label, false);
    const keys = (page?.Contents ?? []).map((o) => o.Key ?? '').filter((k) => k !== '' && !k.endsWith('/'));
    for (let i = 0; i < keys.length; i += PARALLEL_DOWNLOADS) {
      await Promise.all(keys.slice(i, i + PARALLEL_DOWNLOADS).map((k) => getObject(client, bucket, k, join(place.dir, safeRelative(k.slice(prefix.length), label)), remote, label)));
    }
    files += keys.length;
    token = page?.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  if (files === 0) throw notFound(`${label} has nothing at ${remote.shown} (no object with that key and none under it)`);
  return { kind: 'folder', files };
}

/** An object key below the prefix, as a local relative path; keys that would leave the folder are refused. */
function safeRelative(rel: string, label: string): string {
  try {
    return normalizeArtifactPath(rel, 'object key');
  } catch (err) {
    throw invalid(`${label}: ${(err as Error).message}`);
  }
}

async function getObject(client: S3Client, bucket: string, key: string, dest: string, remote: { shown: string }, label: string): Promise<void> {
  const out = await attempt(() => client.send(new GetObjectCommand({ Bucket: bucket, Key: key })), { shown: `s3://${bucket}/${key}` }, label, false);
  if (!(out?.Body instanceof Readable)) throw new TrainyardError('INTERNAL_ERROR', `${label}: S3 returned no body for ${remote.shown}`);
  await mkdir(dirname(dest), { recursive: true });
  await pipeline(out.Body, createWriteStream(dest));
}

/** Runs an S3 call; a missing key is undefined when `missingOk`, every other failure a message naming what was asked for. */
async function attempt<T>(call: () => Promise<T>, remote: { shown: string }, label: string, missingOk: boolean): Promise<T | undefined> {
  try {
    return await call();
  } catch (err) {
    const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
    const status = e.$metadata?.httpStatusCode;
    if (e.name === 'NoSuchBucket') throw notFound(`${label} has nothing at ${remote.shown}: the bucket does not exist`);
    if (missingOk && (e.name === 'NotFound' || e.name === 'NoSuchKey' || status === 404)) return undefined;
    if (e.name === 'NoSuchKey' || status === 404) throw notFound(`${label} has nothing at ${remote.shown}`);
    if (status === 403 || e.name === 'AccessDenied' || e.name === 'InvalidAccessKeyId' || e.name === 'SignatureDoesNotMatch') {
      throw new TrainyardError('PERMISSION_DENIED', `${label}: S3 refused access to ${remote.shown} (${e.name ?? status}); check the connection's keyID, keySecret and region`);
    }
    throw new TrainyardError('INTERNAL_ERROR', `${label}: reading ${remote.shown} failed: ${e.name ?? 'error'}: ${e.message ?? String(err)}`);
  }
}
