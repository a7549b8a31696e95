import { describe, expect, it } from 'vitest';
import { globMatcher } from './glob.js';

describe('code globs', () => {
  const match = (globs: string[], path: string) => globMatcher(globs)(path);

  it('matches * within a segment and ** across segments', () => {
    expect(match(['*.py'], 'train.py')).toBe(true);
    expect(match(['*.py'], 'lib/train.py')).toBe(false);
    expect(match(['**/*.py'], 'lib/deep/train.py')).toBe(true);
    expect(match(['**/*.py'], 'train.py')).toBe(true);
    expect(match(['lib/**'], 'lib/a/b.txt')).toBe(true);
    expect(match(['data/*.csv'], 'data/boston.csv')).toBe(true);
    expect(match(['data/*.csv'], 'data/boston.csv.bak')).toBe(false);
  });

  it('takes everything under a folder it names, and nothing whose name only starts the same', () => {
    expect(match(['lib'], 'lib/util.py')).toBe(true);
    expect(match(['lib/'], 'lib/util.py')).toBe(true);
    expect(match(['lib'], 'library.py')).toBe(false);
  });

  it('reads ?, classes, negated classes and alternatives; escapes regular-expression characters', () => {
    expect(match(['file?.txt'], 'file1.txt')).toBe(true);
    expect(match(['file?.txt'], 'file10.txt')).toBe(false);
    expect(match(['[ab].py'], 'a.py')).toBe(true);
    expect(match(['[!ab].py'], 'a.py')).toBe(false);
    expect(match(['{train,evaluate}.py'], 'evaluate.py')).toBe(true);
    expect(match(['{train,evaluate}.py'], 'deploy.py')).toBe(false);
    expect(match(['a+b.py'], 'a+b.py')).toBe(true);
    expect(match(['a+b.py'], 'aab.py')).toBe(false);
    expect(match(['./train.py'], 'train.py')).toBe(true);
  });

  it('refuses unclosed brackets and braces', () => {
    expect(() => globMatcher(['[ab.py'])).toThrow(/unclosed '\['/);
    expect(() => globMatcher(['{a,b.py'])).toThrow(/unclosed '\{'/);
  });
});
