/**
 * Cache keys. A task's key is the hash of six parts, each hashed on its own so a miss can say
 * which part changed: its definition after parameter substitution, the parameter values it
 * reads, its code, its inputs, its environment (executor and image), and its cacheVersion.
 */
import { createHash } from 'node:crypto';

export const KEY_PARTS = ['definition', 'params', 'code', 'inputs', 'environment', 'cacheVersion'] as const;
export type KeyPart = (typeof KEY_PARTS)[number];
export type KeyParts = Record<KeyPart, string>;

/** Bumped when the meaning of a part changes, so old entries stop matching. */
const KEY_FORMAT = 'trainyard-pipeline-key/1';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** JSON with object keys sorted, so equal values always hash alike. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function hashPart(value: unknown): string {
  return sha256(canonicalJson(value));
}

export function cacheKey(parts: KeyParts): string {
  return sha256(`${KEY_FORMAT}\n${KEY_PARTS.map((p) => `${p}=${parts[p]}`).join('\n')}`);
}

/** The parts that differ between two keys' breakdowns. */
export function changedParts(now: KeyParts, before: KeyParts): KeyPart[] {
  return KEY_PARTS.filter((p) => now[p] !== before[p]);
}
