import { describe, expect, it } from 'vitest';
import { parsePythonFloat } from './python-float.js';

describe('parsePythonFloat', () => {
  it('reads what Python float() reads', () => {
    const cases: [string, number][] = [
      ['1', 1],
      [' -2.5 ', -2.5],
      ['.5', 0.5],
      ['3.', 3],
      ['1e6', 1e6],
      ['1E-3', 1e-3],
      ['+7', 7],
      ['1_000.000_1', 1000.0001],
      ['inf', Infinity],
      ['-Infinity', -Infinity],
      ['+INF', Infinity],
    ];
    for (const [text, value] of cases) expect(parsePythonFloat(text), text).toBe(value);
    expect(parsePythonFloat('nan')).toBeNaN();
    expect(parsePythonFloat('-NaN')).toBeNaN();
  });

  it('refuses what Python float() refuses, even where Number() would not', () => {
    for (const text of ['', ' ', '0x10', '0b1', '1e', 'e5', '1,5', '_1', '1__0', '1_', 'five', '1.2.3', 'Infinityy']) {
      expect(parsePythonFloat(text), JSON.stringify(text)).toBeUndefined();
    }
  });
});
