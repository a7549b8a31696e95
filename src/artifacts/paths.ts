import { posix } from 'node:path';
import { invalid } from '../errors.js';

/**
 * Turns a client-supplied artifact path into a safe relative key: '/'-separated, no empty, '.'
 * or '..' segments, not absolute, no NUL or backslash tricks. Refuses instead of repairing, so a
 * hostile path is never silently redirected somewhere else.
 */
export function normalizeArtifactPath(path: string, field = 'path'): string {
  if (path.includes('\0')) throw invalid(`Invalid ${field} '${path}': NUL bytes are not allowed`);
  if (path.includes('\\')) throw invalid(`Invalid ${field} '${path}': backslashes are not allowed`);
  if (path.startsWith('/') || /^[a-zA-Z]:/.test(path)) throw invalid(`Invalid ${field} '${path}': absolute paths are not allowed`);
  const segments = path.split('/');
  if (segments.includes('..')) throw invalid(`Invalid ${field} '${path}': '..' is not allowed in artifact paths`);
  return posix.normalize(segments.filter((s) => s !== '' && s !== '.').join('/') || '.').replace(/^\.$/, '');
}
