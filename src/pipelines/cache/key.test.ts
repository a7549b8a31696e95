import { describe, expect, it } from 'vitest';
import { cacheKey, canonicalJson, changedParts, hashPart, type KeyParts } from './key.js';

describe('cache keys', () => {
  const parts: KeyParts = { definition: 'd', params: 'p', code: 'c', inputs: 'i', environment: 'e', cacheVersion: 'v' };

  it('hashes values whatever the order of their keys', () => {
    expect(canonicalJson({ b: 1, a: [2, { d: 3, c: null }] })).toBe('{"a":[2,{"c":null,"d":3}],"b":1}');
    expect(hashPart({ x: 1, y: 2 })).toBe(hashPart({ y: 2, x: 1 }));
  });

  it('changes with every part and says which parts changed', () => {
    const base = cacheKey(parts);
    for (const part of Object.keys(parts) as (keyof KeyParts)[]) {
      const other = { ...parts, [part]: 'changed' };
      expect(cacheKey(other)).not.toBe(base);
      expect(changedParts(other, parts)).toEqual([part]);
    }
    expect(cacheKey({ ...parts })).toBe(base);
  });
});
