/** HTTP details of the artifact proxy: raw upload bodies, download headers, part URLs. */
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Readable } from 'node:stream';
import { invalid, TrainyardError } from '../errors.js';
import { clientArtifactPath } from '../artifacts/paths.js';

/**
 * Routes registered inside `scope` get the request body as the raw stream, untouched: Fastify
 * neither buffers nor limits it, whatever the Content-Type. Uploads are bounded by disk, not memory.
 */
export function acceptRawBodies(scope: FastifyInstance): void {
  scope.removeAllContentTypeParsers();
  scope.addContentTypeParser('*', (_req, payload, done) => done(null, payload));
  // An error answered before the body was read: close the connection rather than read
  // gigabytes only to discard them.
  scope.addHook('onError', async (req, reply) => {
    if (!req.raw.complete) reply.header('connection', 'close');
  });
}

/** The body of a raw-body route as a stream (an empty one when the request had none). */
export function rawBody(req: FastifyRequest): Readable {
  return req.body instanceof Readable ? req.body : Readable.from([]);
}

/**
 * Runs an upload; when the client went away before sending the whole body, the failure is the
 * client's (400), not a server error to log.
 */
export async function receiving<T>(req: FastifyRequest, upload: () => Promise<T>): Promise<T> {
  try {
    return await upload();
  } catch (err) {
    if (!(err instanceof TrainyardError) && !req.raw.complete && req.raw.destroyed) {
      throw new TrainyardError('BAD_REQUEST', 'The upload ended before the whole body arrived');
    }
    throw err;
  }
}

/** The declared body length, when the client sent one (not with chunked transfer). */
export function declaredLength(req: FastifyRequest): number | undefined {
  const header = req.headers['content-length'];
  if (header === undefined || req.headers['transfer-encoding'] !== undefined) return undefined;
  const n = Number(header);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** The artifact path in the URL's wildcard, checked; `requireFile` refuses the root. */
export function wildcardPath(req: FastifyRequest, requireFile = true): string {
  const raw = (req.params as Record<string, string | undefined>)['*'] ?? '';
  const path = clientArtifactPath(raw);
  if (requireFile && path === '') throw invalid('Invalid path: an artifact path is required after /mlflow-artifacts/artifacts/');
  return path;
}

const TEXT = new Set(['txt', 'log', 'json', 'yaml', 'yml', 'md', 'csv', 'tsv', 'py', 'toml', 'cfg', 'ini', 'sh', 'r', 'sql', 'xml', 'html', 'htm', 'js', 'ts']);
const TEXT_NAMES = new Set(['MLmodel', 'MLproject', 'Dockerfile', 'LICENSE', 'README']);
const MEDIA: Record<string, string> = {
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  pdf: 'application/pdf',
};

/**
 * The Content-Type of a download. Anything that could be run by a browser (HTML, SVG, scripts)
 * goes out as text/plain or bytes, never as itself: artifacts are user content.
 */
export function contentTypeOf(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (TEXT_NAMES.has(name)) return 'text/plain; charset=utf-8';
  const dot = name.lastIndexOf('.');
  const ext = dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
  if (TEXT.has(ext)) return 'text/plain; charset=utf-8';
  return MEDIA[ext] ?? 'application/octet-stream';
}

/** `attachment; filename=...` with an ASCII fallback and the exact UTF-8 name (RFC 6266). */
export function attachment(path: string): string {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  const exact = encodeURIComponent(name).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return ascii === name ? `attachment; filename="${name}"` : `attachment; filename="${ascii}"; filename*=UTF-8''${exact}`;
}

/** Streams an artifact to the client as a download. */
export function sendDownload(reply: FastifyReply, path: string, body: Readable, size: number): FastifyReply {
  return downloadHeaders(reply, path, size).send(body);
}

/** A HEAD answer: the download's headers without its bytes. */
export function sendHeadersOnly(reply: FastifyReply, path: string, size: number): FastifyReply {
  return downloadHeaders(reply, path, size).send();
}

function downloadHeaders(reply: FastifyReply, path: string, size: number): FastifyReply {
  return reply
    .header('content-type', contentTypeOf(path))
    .header('content-length', size)
    .header('content-disposition', attachment(path))
    .header('x-content-type-options', 'nosniff');
}

/**
 * The absolute URL a client PUTs one part to: this server, reached the way the client reached it
 * (Host header), under the same API prefix.
 */
export function partUrl(req: FastifyRequest, prefix: string, path: string, uploadId: string, partNumber: number): string {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  const query = new URLSearchParams({ upload_id: uploadId, part_number: String(partNumber) });
  return `${req.protocol}://${req.host}${prefix}/mlflow-artifacts/mpu/part/${encoded}?${query.toString()}`;
}
