import { invalid } from '../errors.js';

/** MLflow's page tokens: base64 of {"offset": N}. Opaque to clients, checked when read back. */
export function encodePageToken(offset: number): string {
  return Buffer.from(JSON.stringify({ offset })).toString('base64');
}

export function decodePageToken(token: string | undefined | null): number {
  if (!token) return 0;
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(token, 'base64').toString('utf8'));
  } catch {
    throw invalid(`Invalid page token, could not base64-decode: '${token}'`);
  }
  const offset = (parsed as { offset?: unknown } | null)?.offset;
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) {
    throw invalid(`Invalid page token, parsed value=${JSON.stringify(parsed)}: expected an object with a non-negative integer 'offset'`);
  }
  return offset;
}
