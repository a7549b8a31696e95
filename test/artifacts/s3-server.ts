/**
 * A real S3-compatible server for tests: s3rver on loopback, a random port, its own folder.
 * The store under test finds the credentials through the AWS SDK's standard chain, as in
 * production, so they are put in this test process's environment.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { restoreS3Behaviour } from './s3rver-fidelity.js';

export interface TestS3 {
  endpoint: string;
  bucket: string;
  /** `s3://bucket/<prefix>` */
  uri(prefix: string): string;
  close(): Promise<void>;
}

const HOW_TO_GET_IT =
  's3rver is a dev dependency of Trainyard (package.json devDependencies): run `npm install` (or `npm install --save-dev s3rver@^3.7`) in the repository root.';

export async function startS3(): Promise<TestS3> {
  let S3rver: typeof import('s3rver').default;
  try {
    S3rver = (await import('s3rver')).default;
  } catch (err) {
    throw new Error(`The S3 artifact tests need s3rver, which could not be loaded (${(err as Error).message}). ${HOW_TO_GET_IT}`);
  }
  const directory = mkdtempSync(join(tmpdir(), 'trainyard-s3rver-'));
  const bucket = 'trainyard-test';
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory, configureBuckets: [{ name: bucket }] });
  restoreS3Behaviour(server);
  let port: number;
  try {
    ({ port } = await server.run());
  } catch (err) {
    rmSync(directory, { recursive: true, force: true });
    throw new Error(`s3rver could not start on 127.0.0.1 (${(err as Error).message}). ${HOW_TO_GET_IT}`);
  }
  process.env.AWS_ACCESS_KEY_ID = 'S3RVER';
  process.env.AWS_SECRET_ACCESS_KEY = 'S3RVER';
  process.env.AWS_REGION = 'us-east-1';
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    uri: (prefix) => `s3://${bucket}/${prefix}`,
    async close() {
      await server.close();
      rmSync(directory, { recursive: true, force: true });
    },
  };
}
