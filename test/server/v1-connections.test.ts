import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { ApiError, HttpClient, V1Client } from '../../src/clients/index.js';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';

describe.each(BACKENDS)('/api/v1/connections on %s', (backend) => {
  const keySecret = `s3-secret-${randomBytes(8).toString('hex')}`;
  const password = `http-password-${randomBytes(8).toString('hex')}`;
  const logLines: string[] = [];
  /** Every response body the client received, with the path it answered. */
  const answers: { path: string; text: string }[] = [];
  let server: TestServer;
  let client: V1Client;
  let token: string;

  beforeAll(async () => {
    server = await startTestServer(backend, {}, { logger: { level: 'trace', stream: { write: (line) => void logLines.push(line) } } });
    const recording: typeof fetch = async (input, init) => {
      const res = await fetch(input, init);
      answers.push({ path: new URL(String(input)).pathname, text: await res.clone().text() });
      return res;
    };
    client = new V1Client(new HttpClient({ baseUrl: server.url, fetch: recording }));
    token = readFileSync(join(server.home, 'admin.token'), 'utf8').trim();
  });
  afterAll(async () => server?.close());

  it('generates the admin token into a private file in the home folder', () => {
    expect(statSync(join(server.home, 'admin.token')).mode & 0o777).toBe(0o600);
    expect(token.length).toBeGreaterThanOrEqual(32);
  });

  it('creates connections from JSON and YAML and shows their secrets masked in every read', async () => {
    const s3 = await client.createConnection({ id: 'wine-data', spec: { type: 's3', uri: 's3://datasets/wine', region: 'eu-west-1', keyID: 'AKIAWINE', keySecret } });
    expect(s3.spec).toEqual({ type: 's3', uri: 's3://datasets/wine', region: 'eu-west-1', keyID: 'AKIAWINE', keySecret: '*****' });
    const yaml = stringify({ kind: 'Connection', id: 'files', spec: { type: 'https', uri: 'https://files.example.com/data', username: 'reader', password } });
    const res = await fetch(`${server.url}/api/v1/connections`, { method: 'POST', headers: { 'content-type': 'application/yaml' }, body: yaml });
    expect(res.status).toBe(201);
    expect(await res.json()).toMatchObject({ id: 'files', spec: { type: 'https', username: 'reader', password: '*****' } });

    expect((await client.getConnection('wine-data')).spec.keySecret).toBe('*****');
    expect((await client.listConnections()).map((c) => [c.id, c.spec.keySecret ?? c.spec.password])).toEqual([
      ['files', '*****'],
      ['wine-data', '*****'],
    ]);
    expect((await client.listConnections({ type: 's3' })).map((c) => c.id)).toEqual(['wine-data']);
    expect(await client.listConnections({ type: 'git' })).toEqual([]);
    const bad = await fetch(`${server.url}/api/v1/connections?type=ftp`);
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error_code: 'INVALID_PARAMETER_VALUE', details: [{ field: 'type' }] });
  });

  it('lists every mistake of a connection in one 400 and refuses a taken id', async () => {
    const err = (await client.createConnection({ id: 'Bad Id', spec: { type: 'nfs', uri: '' } } as never).catch((e: unknown) => e)) as ApiError;
    expect(err).toBeInstanceOf(ApiError);
    expect(err.status).toBe(400);
    expect(err.details!.map((d) => d.field)).toEqual(expect.arrayContaining(['id', 'spec.type', 'spec.uri']));
    await expect(client.createConnection({ id: 'wine-data', spec: { type: 'local', uri: '/srv' } })).rejects.toMatchObject({ status: 400, errorCode: 'RESOURCE_ALREADY_EXISTS' });
  });

  it('edits a connection, keeping a secret left out; the body id must match the URL', async () => {
    const edited = await client.editConnection({ id: 'wine-data', spec: { type: 's3', uri: 's3://datasets/wine', region: 'eu-west-1', keyID: 'AKIAWINE', description: 'wine quality data' } });
    expect(edited.spec).toMatchObject({ description: 'wine quality data', keySecret: '*****' });
    const noId = await fetch(`${server.url}/api/v1/connections/wine-data`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ spec: { type: 's3', uri: 's3://datasets/wine', keyID: 'AKIAWINE', keySecret: '*****', description: 'again' } }),
    });
    expect(noId.status).toBe(200);
    expect(await noId.json()).toMatchObject({ id: 'wine-data', spec: { description: 'again', keySecret: '*****' } });
    const mismatch = await fetch(`${server.url}/api/v1/connections/wine-data`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ id: 'files', spec: { type: 'local', uri: '/srv' } }),
    });
    expect(mismatch.status).toBe(400);
    expect(await mismatch.json()).toMatchObject({ details: [{ field: 'id' }] });
    await expect(client.editConnection({ id: 'missing', spec: { type: 'local', uri: '/srv' } })).rejects.toMatchObject({ status: 404 });
  });

  it('decrypts only for the admin token: 403 without it, with a wrong one, or another scheme', async () => {
    const url = `${server.url}/api/v1/connections/wine-data/decrypted`;
    for (const headers of [{} as Record<string, string>, { authorization: `Bearer ${token}x` }, { authorization: 'Bearer short' }, { authorization: `Basic ${token}` }, { authorization: token }]) {
      const res = await fetch(url, { headers });
      expect(res.status, JSON.stringify(headers)).toBe(403);
      const body = (await res.json()) as { error_code: string; message: string };
      expect(body.error_code).toBe('PERMISSION_DENIED');
      expect(body.message).toContain('admin token');
    }
    // The token is checked before the connection is looked up: no probing which ids exist.
    expect((await fetch(`${server.url}/api/v1/connections/missing/decrypted`)).status).toBe(403);

    const decrypted = await client.getConnectionDecrypted('wine-data', token);
    expect(decrypted.spec).toMatchObject({ keySecret, description: 'again' });
    expect((await client.getConnectionDecrypted('files', token)).spec.password).toBe(password);
    const raw = await fetch(url, { headers: { authorization: `bearer ${token}` } });
    expect(raw.status).toBe(200);
    expect(raw.headers.get('cache-control')).toBe('no-store');
    await expect(client.getConnectionDecrypted('missing', token)).rejects.toMatchObject({ status: 404 });
  });

  it('deletes a connection: 204, then 404', async () => {
    await client.deleteConnection('files');
    await expect(client.getConnection('files')).rejects.toMatchObject({ status: 404, errorCode: 'RESOURCE_DOES_NOT_EXIST' });
    await expect(client.deleteConnection('files')).rejects.toMatchObject({ status: 404 });
    await expect(client.getConnectionDecrypted('files', token)).rejects.toMatchObject({ status: 404 });
  });

  it('never shows a secret in any answer but the decrypted read, nor the secrets or the token in the server log', () => {
    expect(answers.length).toBeGreaterThan(10);
    const decryptedReads = answers.filter((a) => a.path.endsWith('/decrypted'));
    expect(decryptedReads.some((a) => a.text.includes(keySecret))).toBe(true);
    for (const a of answers.filter((x) => !x.path.endsWith('/decrypted'))) {
      expect(a.text, a.path).not.toContain(keySecret);
      expect(a.text, a.path).not.toContain(password);
    }
    for (const a of answers) expect(a.text).not.toContain(token);
    expect(logLines.length).toBeGreaterThan(0);
    const log = logLines.join('');
    expect(log).not.toContain(keySecret);
    expect(log).not.toContain(password);
    expect(log).not.toContain(token);
  });
});

describe('the admin token from the configuration', () => {
  it('is used instead of a generated file', async () => {
    const adminToken = `configured-${randomBytes(12).toString('hex')}`;
    const server = await startTestServer('sqlite', { adminToken });
    try {
      expect(existsSync(join(server.home, 'admin.token'))).toBe(false);
      const client = new V1Client(server.url);
      await client.createConnection({ id: 'c', spec: { type: 'https', uri: 'https://example.com/x', username: 'u', password: 'configured-secret' } });
      expect((await client.getConnectionDecrypted('c', adminToken)).spec.password).toBe('configured-secret');
      await expect(client.getConnectionDecrypted('c', `${adminToken}-not`)).rejects.toMatchObject({ status: 403, errorCode: 'PERMISSION_DENIED' });
    } finally {
      await server.close();
    }
  });
});
