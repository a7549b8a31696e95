import {
  AbortMultipartUploadCommand,
  CompleteMultipartUploadCommand,
  CreateMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
  UploadPartCommand,
  type S3ClientConfig,
} from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalid, notFound, TrainyardError } from '../errors.js';
import { checkPartNumber, sortParts } from './multipart.js';
import type { ArtifactStoreOptions } from './open.js';
import { s3Error } from './s3-errors.js';
import type { ArtifactDownload, ArtifactEntry, ArtifactStat, ArtifactStore, UploadedPart } from './store.js';
import { ByteCounter } from './streams.js';

/** S3 refuses single PUTs above 5 GiB; larger or unknown sizes go through lib-storage's multipart Upload. */
const MAX_SINGLE_PUT = 5 * 1024 ** 3;
/** Upload buffers queueSize × partSize per upload in flight: constant, whatever the file size. */
const UPLOAD_PART_SIZE = 8 * 1024 * 1024;
const UPLOAD_QUEUE_SIZE = 2;

const QUIET = { trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * Artifacts in an S3-compatible bucket under a key prefix. Folders are key prefixes ending in '/'.
 * Credentials come from the AWS SDK's standard chain (environment, shared files, instance roles)
 * and are never logged or shown: `location` is the bucket URI only.
 */
export class S3ArtifactStore implements ArtifactStore {
  readonly location: string;

  constructor(
    private readonly client: S3Client,
    private readonly bucket: string,
    private readonly prefix: string,
  ) {
    this.location = `s3://${bucket}${prefix ? `/${prefix}` : ''}`;
  }

  /** `s3://bucket[/prefix]`; an endpoint (MinIO, s3rver, ...) switches to path-style addressing. */
  static async fromUri(uri: string, options: ArtifactStoreOptions = {}): Promise<S3ArtifactStore> {
    const { bucket, prefix } = parseS3Uri(uri);
    const endpoint = options.s3EndpointUrl || undefined;
    const config: S3ClientConfig = {
      // Newer SDKs add CRC checksums to every request by default; many S3-compatible servers reject them.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      followRegionRedirects: true,
      // The SDK otherwise warns on the console when a streamed upload fails (a client gone
      // mid-upload); that failure reaches the caller as an error, which is where it belongs.
      logger: QUIET,
      ...(endpoint ? { endpoint, forcePathStyle: true } : {}),
    };
    const region = process.env.AWS_REGION || process.env.AWS_DEFAULT_REGION;
    if (region) config.region = region;
    let client = new S3Client(config);
    // Without a region anywhere in the standard chain, behave as boto3 does: us-east-1, following redirects.
    if (!region && !(await client.config.region().catch(() => undefined))) {
      client.destroy();
      client = new S3Client({ ...config, region: 'us-east-1' });
    }
    return new S3ArtifactStore(client, bucket, prefix);
  }

  async put(path: string, body: Readable, size?: number): Promise<{ size: number }> {
    if (path === '') throw invalid('An artifact path must name a file');
    const Key = this.key(path);
    const written = await this.streamed(path, undefined, body, async (source, abortSignal) => {
      if (size !== undefined && size <= MAX_SINGLE_PUT) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: source, ContentLength: size }), { abortSignal });
        return;
      }
      const upload = new Upload({
        client: this.client,
        params: { Bucket: this.bucket, Key, Body: source },
        partSize: UPLOAD_PART_SIZE,
        queueSize: UPLOAD_QUEUE_SIZE,
      });
      abortSignal.addEventListener('abort', () => void upload.abort().catch(() => undefined), { once: true });
      await upload.done();
    });
    return { size: written.bytes };
  }

  async get(path: string): Promise<ArtifactDownload> {
    if (path === '') throw notFound("Artifact '' is the store's root folder, not a file");
    try {
      const out = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      if (!(out.Body instanceof Readable)) throw new Error('S3 GetObject returned no readable body');
      return { body: out.Body, size: out.ContentLength ?? 0 };
    } catch (err) {
      throw s3Error(err, path);
    }
  }

  async stat(path: string): Promise<ArtifactStat | undefined> {
    if (path === '') return { isDir: true, size: 0 };
    try {
      const head = await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: this.key(path) }));
      return { isDir: false, size: head.ContentLength ?? 0 };
    } catch (err) {
      const mapped = s3Error(err, path);
      if (!(mapped instanceof TrainyardError) || mapped.code !== 'RESOURCE_DOES_NOT_EXIST') throw mapped;
    }
    const under = await this.attempt(() => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${this.key(path)}/`, MaxKeys: 1 })), path);
    return (under.KeyCount ?? 0) > 0 ? { isDir: true, size: 0 } : undefined;
  }

  async list(path: string): Promise<ArtifactEntry[]> {
    const folder = path === '' ? (this.prefix ? `${this.prefix}/` : '') : `${this.key(path)}/`;
    const out: ArtifactEntry[] = [];
    let token: string | undefined;
    do {
      const page = await this.attempt(() => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: folder, Delimiter: '/', ContinuationToken: token })),
        path,
      );
      for (const p of page.CommonPrefixes ?? []) {
        const name = p.Prefix?.slice(folder.length, -1);
        if (name) out.push({ path: path === '' ? name : `${path}/${name}`, isDir: true });
      }
      for (const o of page.Contents ?? []) {
        const name = o.Key?.slice(folder.length);
        // A key equal to the folder itself is a "folder marker" object some tools create.
        if (name) out.push({ path: path === '' ? name : `${path}/${name}`, isDir: false, size: o.Size ?? 0 });
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return out.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  async delete(path: string): Promise<void> {
    if (path === '') throw invalid('Refusing to delete the whole artifact store');
    const key = this.key(path);
    await this.attempt(() => this.client.send(new DeleteObjectCommand({ Bucket: this.bucket, Key: key })), path);
    let token: string | undefined;
    do {
      // No delimiter: every key below the folder, at any depth, a page (at most 1000) at a time.
      const page = await this.attempt(() => this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: `${key}/`, ContinuationToken: token })), path);
      const keys = (page.Contents ?? []).flatMap((o) => (o.Key ? [{ Key: o.Key }] : []));
      if (keys.length > 0) {
        const res = await this.attempt(() => this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: keys, Quiet: true } })), path);
        const failed = res.Errors?.[0];
        if (failed) throw new Error(`S3 refused to delete '${failed.Key}': ${failed.Code} ${failed.Message}`);
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async createMultipartUpload(path: string): Promise<string> {
    if (path === '') throw invalid('An artifact path must name a file');
    const out = await this.attempt(() => this.client.send(new CreateMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(path) })), path);
    if (!out.UploadId) throw new Error('S3 CreateMultipartUpload returned no UploadId');
    return out.UploadId;
  }

  async uploadPart(path: string, uploadId: string, partNumber: number, body: Readable, size?: number): Promise<string> {
    checkPartNumber(partNumber);
    // S3 needs each part's length up front; buffering a part of unknown length would break constant memory.
    if (size === undefined) throw invalid('A part upload needs a Content-Length header');
    let etag: string | undefined;
    await this.streamed(path, uploadId, body, async (source, abortSignal) => {
      const input = { Bucket: this.bucket, Key: this.key(path), UploadId: uploadId, PartNumber: partNumber, Body: source, ContentLength: size };
      etag = (await this.client.send(new UploadPartCommand(input), { abortSignal })).ETag;
    });
    if (!etag) throw new Error('S3 UploadPart returned no ETag');
    return etag;
  }

  async completeMultipartUpload(path: string, uploadId: string, parts: UploadedPart[]): Promise<void> {
    const Parts = sortParts(parts).map((p) => ({ PartNumber: p.partNumber, ETag: p.etag }));
    await this.attempt(() => this.client.send(new CompleteMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(path), UploadId: uploadId, MultipartUpload: { Parts } })),
      path,
      uploadId,
    );
  }

  async abortMultipartUpload(path: string, uploadId: string): Promise<void> {
    await this.attempt(() => this.client.send(new AbortMultipartUploadCommand({ Bucket: this.bucket, Key: this.key(path), UploadId: uploadId })), path, uploadId);
  }

  private key(path: string): string {
    return this.prefix ? (path ? `${this.prefix}/${path}` : this.prefix) : path;
  }

  /**
   * Feeds `body` to an S3 request through a byte counter. The SDK does not notice a source that
   * fails (a client gone mid-upload) and would wait for the missing bytes forever, so a failing
   * source aborts the request; a failing request stops reading the source.
   */
  private async streamed(
    path: string,
    uploadId: string | undefined,
    body: Readable,
    send: (source: Readable, abortSignal: AbortSignal) => Promise<void>,
  ): Promise<ByteCounter> {
    const counter = new ByteCounter();
    const controller = new AbortController();
    const feeding = pipeline(body, counter).catch((err: unknown) => {
      controller.abort();
      throw err;
    });
    const sending = send(counter, controller.signal);
    try {
      await Promise.all([sending, feeding]);
      return counter;
    } catch (err) {
      controller.abort();
      counter.destroy();
      body.destroy();
      await Promise.allSettled([sending, feeding]);
      // The source's own failure explains an aborted request better than the abort does.
      const cause = await feeding.then(() => err, (fed: unknown) => fed);
      throw s3Error(cause, path, uploadId);
    }
  }

  private async attempt<T>(call: () => Promise<T>, path: string, uploadId?: string): Promise<T> {
    try {
      return await call();
    } catch (err) {
      throw s3Error(err, path, uploadId);
    }
  }
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    throw invalid(`Invalid S3 URI '${uri}': expected s3://bucket[/prefix]`);
  }
  if (url.protocol !== 's3:' || !url.hostname) throw invalid(`Invalid S3 URI '${uri}': expected s3://bucket[/prefix]`);
  if (url.username || url.password) throw invalid('Invalid S3 URI: credentials do not belong in the URI; use the AWS environment or config files');
  const prefix = decodeURIComponent(url.pathname).replace(/^\/+|\/+$/g, '');
  if (prefix.split('/').includes('..')) throw invalid(`Invalid S3 URI '${uri}': '..' is not allowed in the prefix`);
  return { bucket: url.hostname, prefix };
}
