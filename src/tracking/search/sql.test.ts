import { describe, expect, it } from 'vitest';
import { likeToGlob } from './sql.js';

describe('likeToGlob', () => {
  it('maps LIKE wildcards and makes GLOB specials literal', () => {
    expect(likeToGlob('a%b_c')).toBe('a*b?c');
    expect(likeToGlob('x*y?z[w]')).toBe('x[*]y[?]z[[]w]');
    expect(likeToGlob('plain')).toBe('plain');
  });
});
