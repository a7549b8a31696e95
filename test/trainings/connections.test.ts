import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TrainyardError } from '../../src/errors.js';
import { openStore, type Store } from '../../src/store/open.js';
import { SecretBox } from '../../src/trainings/connections/sealed.js';
import { ConnectionService } from '../../src/trainings/connections/service.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/backends.js';

const box = (bytes: Buffer = randomBytes(32)) => new SecretBox({ id: decodeKeyId(bytes), source: 'test key', bytes });
// The fingerprint is computed by loadSecretKey; tests that build keys by hand derive a distinct id per key.
const decodeKeyId = (bytes: Buffer) => bytes.subarray(0, 8).toString('hex');

async function failure(p: Promise<unknown>): Promise<TrainyardError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(TrainyardError);
  return err as TrainyardError;
}

describe.each(BACKENDS)('connections on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  let keyBytes: Buffer;
  let service: ConnectionService;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.uri);
    keyBytes = randomBytes(32);
    service = new ConnectionService(store.db, box(keyBytes));
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('creates a connection, masks its secrets in every read and decrypts them only on request', async () => {
    const created = await service.create({ id: 'wine-data', spec: { type: 's3', uri: 's3://datasets/wine', region: 'eu-west-1', keyID: 'AKIAWINE', keySecret: 'wine-s3-secret' } });
    expect(created.spec).toEqual({ type: 's3', uri: 's3://datasets/wine', region: 'eu-west-1', keyID: 'AKIAWINE', keySecret: '*****' });
    expect((await service.get('wine-data')).spec.keySecret).toBe('*****');
    const decrypted = await service.getDecrypted('wine-data');
    expect(decrypted.spec).toEqual({ type: 's3', uri: 's3://datasets/wine', region: 'eu-west-1', keyID: 'AKIAWINE', keySecret: 'wine-s3-secret' });
    expect(decrypted.createdAt).toBe(created.createdAt);

    const row = await store.db.selectFrom('connections').selectAll().where('id', '=', 'wine-data').executeTakeFirstOrThrow();
    expect(row.type).toBe('s3');
    expect(row.spec).not.toContain('wine-s3-secret');
    expect(row.secrets).not.toContain('wine-s3-secret');
    expect(JSON.parse(row.secrets!)).toMatchObject({ v: 1, alg: 'A256GCM', names: ['keySecret'] });
  });

  it('refuses a second connection with the same id', async () => {
    const input = { id: 'twice', spec: { type: 'local', uri: '/srv/data' } };
    await service.create(input);
    const err = await failure(service.create(input));
    expect(err.code).toBe('RESOURCE_ALREADY_EXISTS');
    expect(err.message).toContain("'twice'");
  });

  it('lists connections by id, optionally of one type, and looks up types for manifest validation', async () => {
    await service.create({ id: 'list-git', spec: { type: 'git', uri: 'https://git.example.com/team/models.git', reference: 'main' } });
    await service.create({ id: 'list-http', spec: { type: 'https', uri: 'https://data.example.com/wine.csv', username: 'u', password: 'http-pass' } });
    const all = await service.list();
    const ids = all.map((c) => c.id);
    expect(ids).toEqual([...ids].sort());
    expect(ids).toEqual(expect.arrayContaining(['list-git', 'list-http', 'wine-data']));
    const gits = await service.list({ type: 'git' });
    expect(gits.map((c) => c.id)).toEqual(['list-git']);
    expect(all.find((c) => c.id === 'list-http')!.spec.password).toBe('*****');
    expect(await service.type('list-git')).toBe('git');
    expect(await service.type('nope')).toBeUndefined();
    const lookup = await service.typeLookup();
    expect(lookup('list-http')).toBe('https');
    expect(lookup('nope')).toBeUndefined();
  });

  it('keeps stored secrets through an edit that omits them or sends them back masked, replaces or clears them when told', async () => {
    await service.create({ id: 'editable', spec: { type: 'http', uri: 'http://files.internal/data', username: 'bob', password: 'first-pass' } });
    const masked = await service.get('editable');
    await service.edit({ id: 'editable', spec: { ...masked.spec, description: 'sent back masked' } });
    expect((await service.getDecrypted('editable')).spec).toMatchObject({ password: 'first-pass', description: 'sent back masked' });

    await service.edit({ id: 'editable', spec: { type: 'http', uri: 'http://files.internal/other', username: 'bob' } });
    expect((await service.getDecrypted('editable')).spec).toMatchObject({ uri: 'http://files.internal/other', password: 'first-pass' });
    expect((await service.getDecrypted('editable')).spec.description).toBeUndefined();

    const replaced = await service.edit({ id: 'editable', spec: { type: 'http', uri: 'http://files.internal/other', password: 'second-pass' } });
    expect(replaced.spec.password).toBe('*****');
    expect((await service.getDecrypted('editable')).spec.password).toBe('second-pass');

    const cleared = await service.edit({ id: 'editable', spec: { type: 'http', uri: 'http://files.internal/other', password: '' } });
    expect(cleared.spec.password).toBeUndefined();
    expect((await service.getDecrypted('editable')).spec.password).toBeUndefined();
    const row = await store.db.selectFrom('connections').select('secrets').where('id', '=', 'editable').executeTakeFirstOrThrow();
    expect(row.secrets).toBeNull();
  });

  it('treats credentials written into a URL as secrets: stored sealed, masked, and kept across a masked edit', async () => {
    const created = await service.create({ id: 'git-token', spec: { type: 'git', uri: 'https://oauth2:glpat-token-123@gitlab.example.com/ml/wine.git' } });
    expect(created.spec.uri).toBe('https://*****@gitlab.example.com/ml/wine.git');
    const row = await store.db.selectFrom('connections').selectAll().where('id', '=', 'git-token').executeTakeFirstOrThrow();
    expect(JSON.parse(row.spec).uri).toBe('https://gitlab.example.com/ml/wine.git');
    expect(row.secrets).not.toContain('glpat');

    await service.edit({ id: 'git-token', spec: { ...created.spec, reference: 'develop' } });
    const decrypted = await service.getDecrypted('git-token');
    expect(decrypted.spec).toMatchObject({ uri: 'https://oauth2:glpat-token-123@gitlab.example.com/ml/wine.git', reference: 'develop' });
  });

  it('does not carry stored secrets to a connection that now points at another server', async () => {
    await service.create({ id: 'moving', spec: { type: 'https', uri: 'https://data.example.com/x.csv', password: 'moving-pass' } });
    const err = await failure(service.edit({ id: 'moving', spec: { type: 'https', uri: 'https://attacker.example.net/x.csv', password: '*****' } }));
    expect(err.code).toBe('INVALID_PARAMETER_VALUE');
    expect(err.problems).toEqual([{ field: 'spec.password', message: expect.stringContaining('points at another server') }]);
    expect((await service.getDecrypted('moving')).spec.uri).toBe('https://data.example.com/x.csv');

    await service.edit({ id: 'moving', spec: { type: 'https', uri: 'https://mirror.example.net/x.csv', password: 'new-pass' } });
    expect((await service.getDecrypted('moving')).spec).toMatchObject({ uri: 'https://mirror.example.net/x.csv', password: 'new-pass' });
  });

  it('refuses the mask as a new secret', async () => {
    const err = await failure(service.create({ id: 'masked-new', spec: { type: 'https', uri: 'https://h.example.com/f', password: '*****' } }));
    expect(err.problems).toEqual([{ field: 'spec.password', message: expect.stringContaining('give the real value') }]);
  });

  it('edits and deletes only connections that exist', async () => {
    const edit = await failure(service.edit({ id: 'ghost', spec: { type: 'local', uri: '/x' } }));
    expect(edit.code).toBe('RESOURCE_DOES_NOT_EXIST');
    await service.create({ id: 'doomed', spec: { type: 'local', uri: '/srv/doomed' } });
    await service.delete('doomed');
    expect((await failure(service.get('doomed'))).code).toBe('RESOURCE_DOES_NOT_EXIST');
    expect((await failure(service.delete('doomed'))).message).toBe("Connection 'doomed' does not exist");
  });

  it('reports every problem of a connection at once, each naming its field', async () => {
    const err = await failure(
      service.create({ id: 'Bad_Id', spec: { type: 's3', uri: 'gs://wrong-scheme/x', reference: 'main', endpoint: 'ftp://minio', color: 'red' } }),
    );
    expect(err.code).toBe('INVALID_PARAMETER_VALUE');
    const fields = err.problems!.map((p) => p.field).sort();
    expect(fields).toEqual(['id', 'spec.color', 'spec.endpoint', 'spec.reference', 'spec.uri']);
    expect(await service.type('Bad_Id')).toBeUndefined();
  });

  it('says the key changed when secrets were sealed with another key, while masked reads keep working', async () => {
    await service.create({ id: 'old-key', spec: { type: 's3', uri: 's3://bucket-a/p', keyID: 'K', keySecret: 'sealed-under-old-key' } });
    const other = new ConnectionService(store.db, box());
    expect((await other.get('old-key')).spec.keySecret).toBe('*****');
    const err = await failure(other.getDecrypted('old-key'));
    expect(err.message).toContain('the secret key changed');
    expect(err.message).not.toContain('sealed-under-old-key');
    // Giving the secret again under the new key repairs the connection.
    await other.edit({ id: 'old-key', spec: { type: 's3', uri: 's3://bucket-a/p', keyID: 'K', keySecret: 'given-again' } });
    expect((await other.getDecrypted('old-key')).spec.keySecret).toBe('given-again');
  });

  it('refuses sealed secrets moved onto another connection', async () => {
    await service.create({ id: 'source-a', spec: { type: 'https', uri: 'https://a.example.com/f', password: 'belongs-to-a' } });
    await service.create({ id: 'target-b', spec: { type: 'https', uri: 'https://a.example.com/f', password: 'belongs-to-b' } });
    const a = await store.db.selectFrom('connections').select('secrets').where('id', '=', 'source-a').executeTakeFirstOrThrow();
    await store.db.updateTable('connections').set({ secrets: a.secrets }).where('id', '=', 'target-b').execute();
    const err = await failure(service.getDecrypted('target-b'));
    expect(err.message).toContain('altered or belongs to another');
  });

  it('never shows a secret in a masked read, a list, or an error message', async () => {
    const secrets = ['S3CR3T-key-material', 'P@ssw0rd-very-secret', 'url-token-xyz'];
    const outputs: unknown[] = [];
    const collect = async (p: Promise<unknown>) => {
      try {
        outputs.push(await p);
      } catch (err) {
        const e = err as TrainyardError;
        outputs.push(e.message, e.problems, e.stack);
      }
    };
    await collect(service.create({ id: 'leak-check', spec: { type: 'https', uri: `https://user:${secrets[2]}@h.example.com/data.csv`, password: secrets[1] } }));
    await collect(service.get('leak-check'));
    await collect(service.list());
    await collect(service.list({ type: 'https' }));
    await collect(service.edit({ id: 'leak-check', spec: { type: 'https', uri: `https://user:${secrets[2]}@h.example.com/d2.csv`, keySecret: secrets[0] } }));
    // Invalid input carrying secrets: the errors must not echo them.
    await collect(service.create({ id: 'leak-bad', spec: { type: 'git', uri: `ssh://git:${secrets[2]}@h.example.com/r.git`, keySecret: secrets[0] } }));
    await collect(service.create({ id: 'leak-bad2', spec: { type: 's3', uri: `https://u:${secrets[2]}@nowhere`, keySecret: secrets[0] } }));
    await collect(service.create({ id: 'leak-bad3', spec: { type: 'https', uri: 'https://h.example.com/f', password: 7 } }));
    await collect(service.edit({ id: 'leak-check', spec: { type: 'https', uri: 'https://evil.example.net/d2.csv', password: '*****' } }));
    await collect(new ConnectionService(store.db, box()).getDecrypted('leak-check'));
    const text = JSON.stringify(outputs);
    expect(outputs.length).toBeGreaterThanOrEqual(10);
    for (const secret of secrets) expect(text).not.toContain(secret);
    // The privileged read does return them.
    expect(JSON.stringify(await service.getDecrypted('leak-check'))).toContain(secrets[0]);
  });
});
