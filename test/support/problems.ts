import { expect } from 'vitest';
import { TrainyardError } from '../../src/errors.js';

/** The problems a validation reports, as "field: message" lines; fails when `fn` does not throw one. */
export function problemsOf(fn: () => unknown): string[] {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(TrainyardError);
    return ((err as TrainyardError).problems ?? []).map((p) => `${p.field}: ${p.message}`);
  }
  throw new Error('expected an error');
}
