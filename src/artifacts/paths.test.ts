import { describe, expect, it } from 'vitest';
import { clientArtifactPath, normalizeArtifactPath } from './paths.js';
import { proxyPathOf } from './proxy-uri.js';

describe('normalizeArtifactPath', () => {
  it('keeps safe relative paths, dropping empty and "." segments', () => {
    expect(normalizeArtifactPath('0/run/artifacts/model/MLmodel')).toBe('0/run/artifacts/model/MLmodel');
    expect(normalizeArtifactPath('a//b/./c/')).toBe('a/b/c');
    expect(normalizeArtifactPath('')).toBe('');
    expect(normalizeArtifactPath('.')).toBe('');
    expect(normalizeArtifactPath('..x/y..')).toBe('..x/y..');
  });

  it.each(['..', 'a/../b', '/etc/passwd', 'C:/x', 'c:x', 'a\\b', 'a\0b'])('refuses %j', (path) => {
    expect(() => normalizeArtifactPath(path)).toThrow(/^Invalid path/);
  });

  it('refuses names and paths longer than filesystems and S3 allow', () => {
    expect(() => normalizeArtifactPath('a'.repeat(256))).toThrow(/longer than 255 bytes/);
    expect(normalizeArtifactPath('a'.repeat(255))).toBe('a'.repeat(255));
    expect(() => normalizeArtifactPath(Array.from({ length: 200 }, () => 'abcdef').join('/'))).toThrow(/longer than 1024 bytes/);
  });
});

describe('clientArtifactPath', () => {
  it('keeps the path as received when no decoding makes it hostile', () => {
    expect(clientArtifactPath('a/100%.txt')).toBe('a/100%.txt');
    expect(clientArtifactPath('a/%41%42.txt')).toBe('a/%41%42.txt');
    expect(clientArtifactPath('a/%E0%A4%A.txt')).toBe('a/%E0%A4%A.txt');
  });

  it.each([
    ['%2e%2e/x', 'decodes to'],
    ['%252e%252e/x', 'decodes to'],
    ['%25252e%25252e%25252fx', 'decodes to'],
    ['%2Fetc', 'decodes to'],
    ['a%5C..%5Cb', 'decodes to'],
    ['a%00b', 'decodes to'],
    ['a#b', "'#'"],
    ['a%23b', "'#'"],
    ['a%2523b', "'#'"],
    ['../x', "'..'"],
  ])('refuses %j', (path, reason) => {
    expect(() => clientArtifactPath(path)).toThrow(/^Invalid path/);
    expect(() => clientArtifactPath(path)).toThrow(reason);
  });

  it('refuses a path that never stops decoding', () => {
    // Each decoding turns one '%25' back into '%': twenty rounds before it reaches 'A'.
    const path = `%${'25'.repeat(20)}41`;
    expect(() => clientArtifactPath(path)).toThrow(/too many levels of URL encoding/);
    expect(clientArtifactPath(`%${'25'.repeat(10)}41`)).toBe(`%${'25'.repeat(10)}41`);
  });
});

describe('proxyPathOf', () => {
  it('maps mlflow-artifacts URIs, with or without an authority, and proxy URLs to store paths', () => {
    expect(proxyPathOf('mlflow-artifacts:/0/abc/artifacts')).toBe('0/abc/artifacts');
    expect(proxyPathOf('mlflow-artifacts:/')).toBe('');
    expect(proxyPathOf('mlflow-artifacts://host:5000/1/r/artifacts/')).toBe('1/r/artifacts');
    expect(proxyPathOf('http://h:5000/api/2.0/mlflow-artifacts/artifacts/0/r/artifacts')).toBe('0/r/artifacts');
    expect(proxyPathOf('https://h/prefix/ajax-api/2.0/mlflow-artifacts/artifacts/a%20b')).toBe('a b');
  });

  it('leaves locations the proxy does not serve alone, and refuses traversal', () => {
    expect(proxyPathOf('s3://bucket/x')).toBeUndefined();
    expect(proxyPathOf('/var/artifacts')).toBeUndefined();
    expect(proxyPathOf('http://h/other/path')).toBeUndefined();
    expect(() => proxyPathOf('mlflow-artifacts:/../etc')).toThrow(/^Invalid artifact URI/);
  });
});
