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
    const counter = new ByteCounter();
    const feeding = pipeline(body, counter);
    const Key = this.key(path);
    try {
      if (size !== undefined && size <= MAX_SINGLE_PUT) {
        await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key, Body: counter, ContentLength: size }));
      } else {
        const upload = new Upload({
          client: this.client,
          params: { Bucket: this.bucket, Key, Body: counter },
          partSize: UPLOAD_PART_SIZE,
          queueSize: UPLOAD_QUEUE_SIZE,
        });
        await upload.done();
      }
      await feeding;
      return { size: counter.bytes };
    } catch (err) {
      counter.destroy();
      body.destroy();
      await feeding.catch(() => undefined);
      throw s3Error(err, path);
    }
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
    try {
      const out = await this.client.send(
        new UploadPartCommand({ Bucket: this.bucket, Key: this.key(path), UploadId: uploadId, PartNumber: partNumber, Body: body, ContentLength: size }),
      );
      if (!out.ETag) throw new Error('S3 UploadPart returned no ETag');
      return out.ETag;
    } catch (err) {
      body.destroy();
      throw s3Error(err, path, uploadId);
    }
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
