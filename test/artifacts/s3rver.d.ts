// s3rver ships no types; these are the parts of its API (and internals) the tests use.
declare module 's3rver' {
  interface S3rverOptions {
    address?: string;
    port?: number;
    silent?: boolean;
    directory?: string;
    resetOnClose?: boolean;
    configureBuckets?: { name: string }[];
  }
  export interface S3rverObject {
    key: string;
  }
  export interface S3rverListing {
    objects: S3rverObject[];
    commonPrefixes: string[];
    isTruncated: boolean;
  }
  export interface S3rverListOptions {
    delimiter?: string;
    prefix?: string;
    maxKeys?: number;
    startAfter?: string;
  }
  export interface S3rverStoredObject {
    bucket: string;
    key: string;
    content: unknown;
  }
  export interface S3rverStore {
    putObject(object: S3rverStoredObject): Promise<unknown>;
    getResourcePath(bucket: string, key: string | undefined, resource: string): string;
    listObjects(bucket: string, options: S3rverListOptions): Promise<S3rverListing>;
    putPart(bucket: string, uploadId: string, partNumber: number, content: unknown): Promise<unknown>;
    putObjectMultipart(bucket: string, uploadId: string, parts: { number: number; etag: string }[]): Promise<unknown>;
  }
  export interface KoaContext {
    method: string;
    path: string;
    query: Record<string, string | string[] | undefined>;
    status: number;
    body: unknown;
  }
  export default class S3rver {
    constructor(options?: S3rverOptions);
    store: S3rverStore;
    middleware: ((ctx: KoaContext, next: () => Promise<void>) => Promise<void>)[];
    run(): Promise<{ address: string; port: number }>;
    close(): Promise<void>;
  }
}
