import { describe, expect, it } from 'vitest';
import { cleanContextPath, DockerIgnore, sourceMatcher } from './patterns.js';

describe('.dockerignore rules', () => {
  it('excludes by pattern, folder and **, with the last matching rule winning', () => {
    const ignore = new DockerIgnore('# comment\n*.log\ndata/\n**/__pycache__\n!keep.log\nsecret*\n');
    expect(ignore.ignores('train.log')).toBe(true);
    expect(ignore.ignores('keep.log')).toBe(false);
    expect(ignore.ignores('logs/train.log')).toBe(false); // `*` does not cross folders
    expect(ignore.ignores('data')).toBe(true);
    expect(ignore.ignores('data/iris.csv')).toBe(true); // inside an excluded folder
    expect(ignore.ignores('src/pkg/__pycache__/x.pyc')).toBe(true);
    expect(ignore.ignores('__pycache__/x.pyc')).toBe(true); // `**/` matches no folder too
    expect(ignore.ignores('secret.txt')).toBe(true);
    expect(ignore.ignores('train.py')).toBe(false);
    expect(ignore.hasExceptions).toBe(true);
  });

  it('reads leading slashes and ./ as the context root, and character classes', () => {
    const ignore = new DockerIgnore('/build\n./dist/*.whl\nfile[0-9].txt\n');
    expect(ignore.ignores('build/x')).toBe(true);
    expect(ignore.ignores('dist/a.whl')).toBe(true);
    expect(ignore.ignores('file3.txt')).toBe(true);
    expect(ignore.ignores('filex.txt')).toBe(false);
  });
});

describe('COPY sources', () => {
  it('match a file, a folder and what is inside it, or a glob within one segment', () => {
    expect(sourceMatcher('app/')('app/x/y.py')).toBe(true);
    expect(sourceMatcher('./app')('app')).toBe(true);
    expect(sourceMatcher('app')('application.py')).toBe(false);
    expect(sourceMatcher('*.txt')('requirements.txt')).toBe(true);
    expect(sourceMatcher('*.txt')('docs/a.txt')).toBe(false);
    expect(sourceMatcher('src/*')('src/pkg/mod.py')).toBe(true);
    expect(sourceMatcher('.')('anything/at/all')).toBe(true);
  });

  it('cleans paths as Docker does, never above the context', () => {
    expect(cleanContextPath('./a//b/./c/')).toBe('a/b/c');
    expect(cleanContextPath('../../etc/passwd')).toBe('etc/passwd');
  });
});
