import { posix } from 'node:path';
import { invalid } from '../errors.js';

/** S3 keys are at most 1024 bytes and most filesystems cap a name at 255; one rule for every store. */
const MAX_PATH_BYTES = 1024;
const MAX_SEGMENT_BYTES = 255;

/**
 * Turns a client-supplied artifact path into a safe relative key: '/'-separated, no empty, '.'
 * or '..' segments, not absolute, no NUL or backslash tricks. Refuses instead of repairing, so a
 * hostile path is never silently redirected somewhere else.
 */
export function normalizeArtifactPath(path: string, field = 'path'): string {
  if (path.includes('\0')) throw invalid(`Invalid ${field} ${show(path)}: NUL bytes are not allowed`);
  if (path.includes('\\')) throw invalid(`Invalid ${field} ${show(path)}: backslashes are not allowed`);
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) throw invalid(`Invalid ${field} ${show(path)}: absolute paths are not allowed`);
  const segments = path.split('/');
  if (segments.includes('..')) throw invalid(`Invalid ${field} ${show(path)}: '..' is not allowed in artifact paths`);
  const out = posix.normalize(segments.filter((s) => s !== '' && s !== '.').join('/') || '.').replace(/^\.$/, '');
  if (Buffer.byteLength(out) > MAX_PATH_BYTES) throw invalid(`Invalid ${field} ${show(path)}: longer than ${MAX_PATH_BYTES} bytes`);
  if (out.split('/').some((s) => Buffer.byteLength(s) > MAX_SEGMENT_BYTES)) {
    throw invalid(`Invalid ${field} ${show(path)}: a name is longer than ${MAX_SEGMENT_BYTES} bytes`);
  }
  return out;
}

/**
 * The check for a path that arrives over HTTP (a URL segment or a query value), already decoded
 * once by the HTTP layer. A path that only turns hostile after further decoding is hostile too:
 * some proxy or client in between may decode it again. So it is decoded until stable and refused
 * if any form holds '#', a backslash, NUL, a '..' segment or an absolute path. The path kept is
 * the one received, normalised; the decoding is only for the check.
 */
export function clientArtifactPath(raw: string): string {
  const path = normalizeArtifactPath(raw);
  let decoded = raw;
  for (let i = 0; i < 16; i++) {
    if (decoded.includes('#')) throw invalid(`Invalid path ${show(raw)}: '#' is not allowed`);
    const next = decodeLenient(decoded);
    if (next === decoded) return path;
    refuseDecoded(raw, next);
    decoded = next;
  }
  throw invalid(`Invalid path ${show(raw)}: too many levels of URL encoding`);
}

function refuseDecoded(raw: string, decoded: string): void {
  try {
    normalizeArtifactPath(decoded);
  } catch {
    throw invalid(`Invalid path ${show(raw)}: it decodes to ${show(decoded)}, which is not a safe relative path`);
  }
}

/** Decodes %XX runs as UTF-8 and leaves anything malformed as it is, so a stray '%' never throws. */
function decodeLenient(s: string): string {
  return s.replace(/(?:%[0-9a-fA-F]{2})+/g, (run) => Buffer.from(run.replaceAll('%', ''), 'hex').toString('utf8'));
}

/** Quotes a path for a message: control characters escaped, very long ones cut. */
function show(path: string): string {
  const cut = path.length > 200 ? `${path.slice(0, 200)}…` : path;
  return JSON.stringify(cut).replace(/^"|"$/g, "'");
}
