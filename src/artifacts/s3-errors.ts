import { invalid, notFound, type TrainyardError } from '../errors.js';

/** What the AWS SDK throws: an Error whose name is S3's error code, with the HTTP status in $metadata. */
interface S3Failure {
  name?: string;
  message?: string;
  $metadata?: { httpStatusCode?: number };
}

const MISSING = new Set(['NoSuchKey', 'NotFound']);
const REFUSED_INPUT = new Set(['InvalidPart', 'InvalidPartOrder', 'EntityTooSmall', 'EntityTooLarge', 'InvalidArgument', 'KeyTooLongError']);

/**
 * Turns S3's answers that are about the request into Trainyard errors a client can act on.
 * Anything else (no bucket, access denied, network) is a server-side problem: it stays an
 * internal error, logged by the HTTP layer and answered without its details.
 */
export function s3Error(err: unknown, path: string, uploadId?: string): TrainyardError | Error {
  const e = (err ?? {}) as S3Failure;
  if (e.name === 'NoSuchUpload') return notFound(`Multipart upload '${uploadId ?? ''}' does not exist for artifact '${path}'`);
  if (MISSING.has(e.name ?? '') || (e.$metadata?.httpStatusCode === 404 && e.name !== 'NoSuchBucket')) {
    return notFound(`Artifact '${path}' does not exist`);
  }
  if (REFUSED_INPUT.has(e.name ?? '')) return invalid(`The artifact store refused '${path}': ${e.name}: ${e.message ?? ''}`);
  return err instanceof Error ? err : new Error(String(err));
}
