/**
 * /api/v1/sources: a .tar.gz of a source folder, streamed straight into the snapshot store (never
 * buffered). The CLI uploads a local folder this way, then submits the manifest with
 * `algorithmSource.local.snapshot` set to the hash answered here.
 */
import { Transform, type Readable } from 'node:stream';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { TrainyardError } from '../../errors.js';
import type { SourceSnapshots } from '../../trainings/sources/snapshots.js';
import { acceptRawBodies, declaredLength, rawBody, receiving } from '../artifacts-http.js';
import { answer, errors, SourceSnapshotRef } from './schemas.js';

const ARCHIVE_TYPES = ['application/gzip', 'application/x-gzip', 'application/octet-stream'];

/** A BAD_REQUEST with the HTTP status that says more (413 too large, 415 wrong type), and the usual error body. */
class UploadRefused extends TrainyardError {
  constructor(
    private readonly status: number,
    message: string,
  ) {
    super('BAD_REQUEST', message);
  }
  override get httpStatus(): number {
    return this.status;
  }
}

const tooLarge = (limit: number) =>
  new UploadRefused(413, `The uploaded source archive is larger than ${limit} bytes, the server's sourceUploadLimit; move data into a data binding`);

/** Registers inside its own scope: the route reads its body raw, whatever the other routes parse. */
export async function sourceRoutes(scope: FastifyInstance, snapshots: SourceSnapshots, uploadLimit: number): Promise<void> {
  acceptRawBodies(scope);
  scope.post(
    '/sources',
    {
      schema: {
        tags: ['sources'],
        operationId: 'uploadSource',
        summary: 'Upload a source folder as a .tar.gz',
        description:
          'The archive is unpacked with hostile-archive rules (no absolute paths, no "..", links only inside, no devices or hard links), ' +
          'bounded in compressed size (sourceUploadLimit), unpacked size and entry count, and stored by content hash. ' +
          'Give the answered hash as spec.algorithmSource.local.snapshot.',
        consumes: ARCHIVE_TYPES,
        body: Type.String({ format: 'binary' }),
        response: { 201: answer(SourceSnapshotRef, 'Stored; the content hash of the unpacked tree'), ...errors(400, 413, 415) },
      },
    },
    async (req, reply) => {
      refuseOtherTypes(req);
      const length = declaredLength(req);
      if (length !== undefined && length > uploadLimit) throw tooLarge(uploadLimit);
      const { hash } = await receiving(req, () => snapshots.fromTarGz(bounded(rawBody(req), uploadLimit)));
      return reply.code(201).send({ hash });
    },
  );
}

function refuseOtherTypes(req: FastifyRequest): void {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (!ARCHIVE_TYPES.includes(type)) {
    throw new UploadRefused(415, `Unsupported Content-Type '${type}': send the .tar.gz as application/gzip`);
  }
}

/** Passes the body through until more than `limit` bytes have come, then fails the stream. */
function bounded(body: Readable, limit: number): Readable {
  let seen = 0;
  const counter = new Transform({
    transform(chunk: Buffer, _encoding, callback) {
      seen += chunk.length;
      callback(seen > limit ? tooLarge(limit) : null, seen > limit ? undefined : chunk);
    },
  });
  body.on('error', (err) => counter.destroy(err));
  return body.pipe(counter);
}
