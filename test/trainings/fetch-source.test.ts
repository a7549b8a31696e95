import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../../src/store/open.js';
import { SecretBox } from '../../src/trainings/connections/sealed.js';
import { ConnectionService } from '../../src/trainings/connections/service.js';
import { fetchSource, type SourceContext } from '../../src/trainings/sources/fetch-source.js';
import { SourceSnapshots } from '../../src/trainings/sources/snapshots.js';
import { createTestDatabase, type TestDatabase } from '../support/backends.js';

describe('fetching a training source into its workspace', () => {
  let root: string;
  let database: TestDatabase;
  let store: Store;
  let ctx: SourceContext;
  let n = 0;
  const dest = () => join(root, 'ws', String(++n), 'src');

  beforeAll(async () => {
    root = mkdtempSync(join(tmpdir(), 'trainyard-fetch-source-'));
    database = await createTestDatabase('sqlite');
    store = await openStore(database.uri);
    const connections = new ConnectionService(store.db, new SecretBox({ id: 'test', source: 'test', bytes: randomBytes(32) }));
    const repo = join(root, 'repo');
    mkdirSync(repo);
    const git = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.name=T', '-c', 'user.email=t@example.invalid', ...args], { cwd: repo, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } }).trim();
    git('init', '-q', '-b', 'main');
    writeFileSync(join(repo, 'train.py'), 'print("git")\n');
    git('add', '.');
    git('commit', '-q', '-m', 'first');
    await connections.create({ id: 'code', spec: { type: 'git', uri: repo, reference: 'main' } });
    const shelf = join(root, 'shelf', 'wine');
    mkdirSync(shelf, { recursive: true });
    writeFileSync(join(shelf, 'train.py'), 'print("shelf")\n');
    await connections.create({ id: 'shelf', spec: { type: 'local', uri: join(root, 'shelf') } });
    ctx = { snapshots: new SourceSnapshots(join(root, 'home')), connection: (id) => connections.getDecrypted(id) };
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
    rmSync(root, { recursive: true, force: true });
  });

  it('materialises the snapshot of a local folder taken at submit', async () => {
    const folder = join(root, 'project');
    mkdirSync(folder);
    writeFileSync(join(folder, 'train.py'), 'print("local")\n');
    const { hash } = await ctx.snapshots.fromFolder(folder);
    writeFileSync(join(folder, 'train.py'), 'print("edited after submit")\n');
    const out = dest();
    expect(await fetchSource({ kind: 'local', path: folder, snapshot: hash }, out, ctx)).toEqual({ snapshot: hash });
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe('print("local")\n');
    await expect(fetchSource({ kind: 'local', path: folder }, dest(), ctx)).rejects.toThrow('was not snapshotted at submit');
  });

  it('clones a git connection at its default reference and reports the commit', async () => {
    const seen: string[] = [];
    const out = dest();
    const got = await fetchSource({ kind: 'git', connection: 'code' }, out, { ...ctx, onCommit: (c) => void seen.push(c) });
    expect(got.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(seen).toEqual([got.commit]);
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe('print("git")\n');
  });

  it('copies an object-storage path', async () => {
    const out = dest();
    expect(await fetchSource({ kind: 'objectStorage', connection: 'shelf', path: 'wine' }, out, ctx)).toEqual({});
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe('print("shelf")\n');
  });
});
