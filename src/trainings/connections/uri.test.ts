import { describe, expect, it } from 'vitest';
import type { ConnectionType } from './schema.js';
import { gitLocation, redactUri, splitUriCredentials, uriProblems } from './uri.js';

const accepted: [ConnectionType, string][] = [
  ['s3', 's3://wine-data'],
  ['s3', 's3://wine-data/training/2024'],
  ['gcs', 'gs://my_bucket/x'],
  ['azureblob', 'https://acct01.blob.core.windows.net/container/path'],
  ['git', 'git@github.com:org/repo.git'],
  ['git', 'ssh://git@git.example.com:2222/org/repo.git'],
  ['git', 'https://github.com/org/repo.git'],
  ['git', 'file:///srv/repos/wine.git'],
  ['git', '/srv/repos/wine'],
  ['local', '/srv/data'],
  ['local', 'file:///srv/data'],
  ['http', 'http://127.0.0.1:8080/wine.csv'],
  ['https', 'https://data.example.com/wine.csv'],
  ['docker', 'docker.io/odahu'],
  ['docker', 'localhost:5000'],
  ['ecr', '123456789012.dkr.ecr.eu-west-1.amazonaws.com/models'],
];
const refused: [ConnectionType, string][] = [
  ['s3', 'gs://wine-data'],
  ['s3', 's3://Wine_Data/x'],
  ['s3', 's3://bucket/../x'],
  ['gcs', 's3://bucket'],
  ['azureblob', 'https://example.com/container'],
  ['azureblob', 'https://acct01.blob.core.windows.net/'],
  ['git', 'ftp://example.com/repo'],
  ['git', 'relative/repo'],
  ['git', '-oProxyCommand=touch$IFS/tmp/pwned:repo'],
  ['git', 'ssh://-oProxyCommand=x/repo'],
  ['local', 'data/relative'],
  ['local', 'file://host/srv'],
  ['http', 'https://example.com/x'],
  ['https', 'http://example.com/x'],
  ['docker', 'https://docker.io/odahu'],
  ['ecr', 'docker.io/odahu'],
];

describe('connection URIs', () => {
  it.each(accepted)('accepts a %s URI %s', (type, uri) => expect(uriProblems(type, uri)).toEqual([]));
  it.each(refused)('refuses a %s URI %s', (type, uri) => expect(uriProblems(type, uri)).toHaveLength(1));

  it('takes secret credentials out of a URI and masks them in messages', () => {
    expect(splitUriCredentials('https://user:tok@h.example.com/r.git')).toEqual({ uri: 'https://h.example.com/r.git', credentials: 'user:tok' });
    expect(splitUriCredentials('https://tok@h.example.com/r.git')).toEqual({ uri: 'https://h.example.com/r.git', credentials: 'tok' });
    expect(splitUriCredentials('ssh://git@h.example.com/r.git')).toEqual({ uri: 'ssh://git@h.example.com/r.git' });
    expect(splitUriCredentials('ssh://git:pw@h.example.com/r.git')).toEqual({ uri: 'ssh://git@h.example.com/r.git', credentials: ':pw' });
    expect(redactUri('https://user:tok@h.example.com/r.git')).toBe('https://*****@h.example.com/r.git');
    expect(redactUri('ssh://git:pw@h.example.com/r.git')).toBe('ssh://git:*****@h.example.com/r.git');
    expect(uriProblems('s3', 'https://user:tok@h.example.com/r')[0]).not.toContain('tok');
  });

  it('tells how to reach a git repository without putting credentials in the URL given to git', () => {
    expect(gitLocation('git@github.com:org/repo.git')).toEqual({ transport: 'ssh', url: 'git@github.com:org/repo.git', host: 'github.com', port: 22, user: 'git' });
    expect(gitLocation('ssh://git@h:2222/r.git')).toMatchObject({ transport: 'ssh', host: 'h', port: 2222, user: 'git' });
    expect(gitLocation('https://x-token:secret@h.example.com/r.git')).toEqual({
      transport: 'https',
      url: 'https://h.example.com/r.git',
      user: 'x-token',
      password: 'secret',
    });
    expect(gitLocation('file:///srv/r.git')).toEqual({ transport: 'file', url: 'file:///srv/r.git' });
  });
});
