import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { finished, pipeline } from 'node:stream/promises';
import { invalid, notFound } from '../errors.js';
import { checkPartNumber, sortParts } from './multipart.js';
import type { UploadedPart } from './store.js';
import { ByteCounter } from './streams.js';

/**
 * The folder, inside the artifact root, for bytes that are not artifacts yet. Inside the root so
 * that a rename into place never crosses filesystems; hidden from listings and refused as an
 * artifact path.
 */
export const RESERVED_DIR = '.trainyard-uploads';

const UPLOAD_ID = /^[0-9a-f]{32}$/;
const ETAG = /^[0-9a-f]{32}$/;
/** Uploads nobody completed or aborted, and temporary files of crashed writes, are removed after this. */
const STALE_UPLOAD_MS = 7 * 24 * 3600_000;
const STALE_TEMP_MS = 24 * 3600_000;
const SWEEP_EVERY_MS = 3600_000;

interface UploadMeta {
  path: string;
  created: number;
}

/**
 * Multipart uploads for the local store. Each upload is a folder holding its parts as
 * `<number>.<md5>.part`; the md5 is the ETag handed back, so completing with the ETags a client
 * received picks exactly the bytes it sent, even when a part was sent twice.
 */
export class LocalUploads {
  private lastSweep = 0;

  constructor(private readonly root: () => Promise<string>) {}

  /** A fresh temporary file name in the reserved folder (the file is not created). */
  async tempFile(): Promise<string> {
    this.sweepSometimes();
    const dir = await this.area('tmp');
    await mkdir(dir, { recursive: true });
    return join(dir, randomBytes(12).toString('hex'));
  }

  async create(path: string): Promise<string> {
    this.sweepSometimes();
    const id = randomBytes(16).toString('hex');
    const dir = await this.area('mpu', id);
    await mkdir(dir, { recursive: true });
    const meta: UploadMeta = { path, created: Date.now() };
    await writeFile(join(dir, 'upload.json'), JSON.stringify(meta));
    return id;
  }

  async putPart(path: string, uploadId: string, partNumber: number, body: Readable): Promise<string> {
    checkPartNumber(partNumber);
    const dir = await this.open(path, uploadId);
    const temp = join(dir, `${partNumber}.${randomBytes(6).toString('hex')}.tmp`);
    try {
      const counter = new ByteCounter('md5');
      await pipeline(body, counter, createWriteStream(temp, { flags: 'wx', mode: 0o644 }));
      const etag = counter.digest();
      const name = `${partNumber}.${etag}.part`;
      await rename(temp, join(dir, name));
      // A part sent again replaces the earlier bytes of that number.
      for (const other of await readdir(dir)) {
        if (other !== name && other.startsWith(`${partNumber}.`) && other.endsWith('.part')) await rm(join(dir, other), { force: true });
      }
      return `"${etag}"`;
    } catch (err) {
      body.destroy();
      await rm(temp, { force: true });
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw notFound(`Multipart upload '${uploadId}' does not exist (aborted?)`);
      throw err;
    }
  }

  /** Concatenates the listed parts, streaming, into a temporary file and returns its name. */
  async join(path: string, uploadId: string, parts: UploadedPart[]): Promise<string> {
    const dir = await this.open(path, uploadId);
    const files = await Promise.all(
      sortParts(parts).map(async (p) => {
        const etag = p.etag.replace(/^"|"$/g, '').toLowerCase();
        const file = join(dir, `${p.partNumber}.${etag}.part`);
        if (!ETAG.test(etag) || !(await stat(file).catch(() => undefined))) {
          throw invalid(`Part ${p.partNumber} with ETag '${p.etag}' was not uploaded to multipart upload '${uploadId}'`);
        }
        return file;
      }),
    );
    const temp = await this.tempFile();
    const out = createWriteStream(temp, { flags: 'wx', mode: 0o644 });
    try {
      for (const file of files) await pipeline(createReadStream(file), out, { end: false });
      out.end();
      await finished(out);
    } catch (err) {
      out.destroy();
      await rm(temp, { force: true });
      throw err;
    }
    return temp;
  }

  async abort(path: string, uploadId: string): Promise<void> {
    await this.open(path, uploadId);
    await this.discard(uploadId);
  }

  async discard(uploadId: string): Promise<void> {
    await rm(await this.area('mpu', uploadId), { recursive: true, force: true });
  }

  /** The folder of an upload, after checking that it exists and belongs to `path`. */
  private async open(path: string, uploadId: string): Promise<string> {
    if (!UPLOAD_ID.test(uploadId)) throw invalid(`Invalid upload_id '${uploadId.slice(0, 100)}': not an upload id of this server`);
    const dir = await this.area('mpu', uploadId);
    const text = await readFile(join(dir, 'upload.json'), 'utf8').catch(() => undefined);
    if (text === undefined) throw notFound(`Multipart upload '${uploadId}' does not exist`);
    const meta = JSON.parse(text) as UploadMeta;
    if (meta.path !== path) throw invalid(`Multipart upload '${uploadId}' is for artifact '${meta.path}', not '${path}'`);
    return dir;
  }

  private async area(...parts: string[]): Promise<string> {
    return join(await this.root(), RESERVED_DIR, ...parts);
  }

  private sweepSometimes(): void {
    const now = Date.now();
    if (now - this.lastSweep < SWEEP_EVERY_MS) return;
    this.lastSweep = now;
    void this.sweep(now).catch(() => undefined);
  }

  private async sweep(now: number): Promise<void> {
    for (const [sub, maxAge] of [['mpu', STALE_UPLOAD_MS], ['tmp', STALE_TEMP_MS]] as const) {
      const dir = await this.area(sub);
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        const s = await stat(join(dir, name)).catch(() => undefined);
        if (s && now - s.mtimeMs > maxAge) await rm(join(dir, name), { recursive: true, force: true });
      }
    }
  }
}
