/**
 * s3rver falls short of S3 in ways that would hide real bugs in the S3 store, so the test server
 * gets S3's behaviour back here:
 * - a folder holding only deeper folders is missing from delimiter listings (its directory walk
 *   prunes below the first common prefix), so delimiter listings are rebuilt from the full
 *   listing, as S3 computes them;
 * - AbortMultipartUpload is answered MethodNotAllowed;
 * - parts are accepted for uploads that do not exist (completed or aborted), and completion
 *   checks neither ETags nor S3's 5 MiB minimum for all parts but the last;
 * - a PUT writes the object in place as the bytes arrive, so a request cut short leaves half an
 *   object where the previous version was; S3 commits a PUT only once its whole body arrived.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync, statSync } from 'node:fs';
import { rename, rm } from 'node:fs/promises';
import { IncomingMessage } from 'node:http';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type S3rver from 's3rver';
import type { S3rverListOptions } from 's3rver';

const require = createRequire(import.meta.url);
type S3ErrorClass = new (code: string, message: string) => Error;
const S3Error = require('s3rver/lib/models/error.js') as S3ErrorClass;

const MIN_PART = 5 * 1024 * 1024;
/**
 * The key a PUT is written under until its body is complete. s3rver may still create the file
 * after a cut-short request was cleaned up (its write never finishes), so listings hide these.
 */
const STAGED = /\.s3rver-staged-[0-9a-f]{8}$/;

export function restoreS3Behaviour(server: S3rver): void {
  const store = server.store;
  const uploadDir = (bucket: string, uploadId: string) => join(store.getResourcePath(bucket, undefined, 'uploads'), uploadId);
  const requireUpload = (bucket: string, uploadId: string) => {
    const dir = uploadDir(bucket, uploadId);
    if (!existsSync(join(dir, 'key'))) throw new S3Error('NoSuchUpload', 'The specified upload does not exist.');
    return dir;
  };

  const listObjects = store.listObjects.bind(store);
  store.listObjects = async (bucket: string, options: S3rverListOptions) => {
    const delimiter = options.delimiter ?? '';
    const prefix = options.prefix ?? '';
    const maxKeys = options.maxKeys ?? 1000;
    const all = await listObjects(bucket, { ...options, delimiter: '', maxKeys: Infinity });
    // Staged PUTs (below) are the emulator's own business, never objects.
    const visible = all.objects.filter((o) => !STAGED.test(o.key));
    if (!delimiter) return { objects: visible.slice(0, maxKeys), commonPrefixes: [], isTruncated: visible.length > maxKeys };
    const commonPrefixes = new Set<string>();
    const objects = visible.filter((o) => {
      const at = o.key.indexOf(delimiter, prefix.length);
      if (at === -1) return true;
      commonPrefixes.add(o.key.slice(0, at + delimiter.length));
      return false;
    });
    // Pagination is not emulated for delimiter listings: tests keep folders small.
    return { objects, commonPrefixes: [...commonPrefixes].sort(), isTruncated: false };
  };

  const putPart = store.putPart.bind(store);
  store.putPart = async (bucket, uploadId, partNumber, content) => {
    requireUpload(bucket, uploadId);
    return putPart(bucket, uploadId, partNumber, content);
  };

  const complete = store.putObjectMultipart.bind(store);
  store.putObjectMultipart = async (bucket, uploadId, parts) => {
    const dir = requireUpload(bucket, uploadId);
    const sorted = [...parts].sort((a, b) => a.number - b.number);
    sorted.forEach((part, i) => {
      const file = join(dir, String(part.number));
      const md5 = existsSync(`${file}.md5`) ? readFileSync(`${file}.md5`, 'utf8') : undefined;
      if (md5 !== part.etag) throw new S3Error('InvalidPart', 'One or more of the specified parts could not be found.');
      if (i < sorted.length - 1 && statSync(file).size < MIN_PART) {
        throw new S3Error('EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed object size.');
      }
    });
    return complete(bucket, uploadId, parts);
  };

  const putObject = store.putObject.bind(store);
  store.putObject = async (object) => {
    if (!(object.content instanceof IncomingMessage)) return putObject(object);
    const request = object.content;
    const staged = Object.assign(Object.create(Object.getPrototypeOf(object) as object) as typeof object, object, {
      key: `${object.key}.s3rver-staged-${randomBytes(4).toString('hex')}`,
    });
    const resources = ['object', 'metadata.json'];
    const cutShort = new Promise<never>((_, reject) => {
      request.once('close', () => {
        if (!request.complete) reject(new S3Error('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header.'));
      });
    });
    try {
      const result = await Promise.race([putObject(staged), cutShort]);
      for (const r of resources) await rename(store.getResourcePath(object.bucket, staged.key, r), store.getResourcePath(object.bucket, object.key, r));
      return result;
    } catch (err) {
      for (const r of resources) await rm(store.getResourcePath(object.bucket, staged.key, r), { force: true });
      throw err;
    }
  };

  server.middleware.unshift(async (ctx, next) => {
    const target = /^\/([^/]+)\/.+/.exec(ctx.path);
    const uploadId = ctx.query.uploadId;
    if (ctx.method !== 'DELETE' || !target || typeof uploadId !== 'string') return next();
    rmSync(requireUpload(target[1]!, uploadId), { recursive: true, force: true });
    ctx.status = 204;
    ctx.body = '';
  });
}
