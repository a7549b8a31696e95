import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Connection, ConnectionSpec } from '../../src/trainings/connections/schema.js';
import { prepareGitAuth } from '../../src/trainings/sources/git-auth.js';
import { fetchGitSource } from '../../src/trainings/sources/git.js';
import { gitLocation } from '../../src/trainings/connections/uri.js';
import { startGitHttpServer, type GitHttpServer } from '../support/git-http.js';

const IDENTITY = ['-c', 'user.name=Trainyard Test', '-c', 'user.email=test@trainyard.invalid', '-c', 'commit.gpgsign=false', '-c', 'tag.gpgsign=false'];

/** A repository with history worth resolving against. */
class Repo {
  readonly commits: Record<string, string> = {};
  constructor(readonly path: string) {
    this.git('init', '-q', '-b', 'main');
  }
  git(...args: string[]): string {
    return execFileSync('git', [...IDENTITY, ...args], { cwd: this.path, encoding: 'utf8', env: { ...process.env, GIT_CONFIG_GLOBAL: '/dev/null' } }).trim();
  }
  commit(name: string, content: string): string {
    writeFileSync(join(this.path, 'train.py'), content);
    this.git('add', 'train.py');
    this.git('commit', '-q', '-m', name);
    this.commits[name] = this.git('rev-parse', 'HEAD');
    return this.commits[name]!;
  }
}

const connection = (uri: string, extra: Partial<ConnectionSpec> = {}): Connection => ({
  id: 'models-repo',
  spec: { type: 'git', uri, ...extra },
  createdAt: 0,
  updatedAt: 0,
});

describe('git sources', () => {
  let root: string;
  let repo: Repo;
  let dests = 0;
  const dest = () => join(root, 'workspaces', String(++dests), 'src');

  beforeAll(() => {
    root = mkdtempSync(join(tmpdir(), 'trainyard-git-test-'));
    mkdirSync(join(root, 'repos', 'models'), { recursive: true });
    repo = new Repo(join(root, 'repos', 'models'));
    // c1 (tag v1, annotated) ── c2 ── c3 (main)
    //   └── c4 (feature, release)          tag 'release' → c2, so a tag wins over a branch of the same name
    repo.commit('c1', 'print(1)\n');
    repo.git('tag', '-a', 'v1', '-m', 'first release');
    repo.commit('c2', 'print(2)\n');
    repo.git('tag', 'release');
    repo.commit('c3', 'print(3)\n');
    repo.git('checkout', '-q', '-b', 'feature', repo.commits.c1!);
    repo.commit('c4', 'print(4)\n');
    repo.git('branch', 'release');
    repo.git('checkout', '-q', 'main');
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  const cases: [string, string | undefined, string, string][] = [
    ['no reference: the repository HEAD', undefined, 'c3', 'HEAD'],
    ['a full ref', 'refs/heads/release', 'c4', 'refs/heads/release'],
    ['an annotated tag', 'v1', 'c1', 'refs/tags/v1'],
    ['a name that is both a tag and a branch: the tag', 'release', 'c2', 'refs/tags/release'],
    ['a branch', 'feature', 'c4', 'refs/heads/feature'],
  ];

  it.each(cases)('resolves %s over file://', async (_what, reference, commit, resolvedRef) => {
    const seen: string[] = [];
    const out = dest();
    const result = await fetchGitSource({ connection: connection(pathToFileURL(repo.path).href), reference, dest: out, onCommit: (c) => void seen.push(c) });
    expect(result).toEqual({ commit: repo.commits[commit], resolvedRef });
    expect(seen).toEqual([repo.commits[commit]]);
    expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe(`print(${commit.slice(1)})\n`);
  });

  it('resolves a commit hash, full or short, from a plain path, even one no branch or tag points at', async () => {
    for (const reference of [repo.commits.c2!, repo.commits.c2!.slice(0, 10)]) {
      const out = dest();
      const result = await fetchGitSource({ connection: connection(repo.path), reference, dest: out });
      expect(result.commit).toBe(repo.commits.c2);
      expect(readFileSync(join(out, 'train.py'), 'utf8')).toBe('print(2)\n');
    }
  });

  it("falls back to the connection's own reference", async () => {
    const out = dest();
    const result = await fetchGitSource({ connection: connection(repo.path, { reference: 'v1' }), dest: out });
    expect(result.commit).toBe(repo.commits.c1);
  });

  it('fails with a message naming the connection, the URI and the reference', async () => {
    const uri = pathToFileURL(repo.path).href;
    const err = await fetchGitSource({ connection: connection(uri), reference: 'no-such-branch', dest: dest() }).catch((e: Error) => e);
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toBe(
      `Cannot fetch the source from git connection 'models-repo' (${uri}) at reference 'no-such-branch': no such full ref, tag, branch or commit in the repository`,
    );
    const missing = await fetchGitSource({ connection: connection(join(root, 'repos', 'absent')), dest: dest() }).catch((e: Error) => e);
    expect((missing as Error).message).toMatch(/^Cannot fetch the source from git connection 'models-repo' \(.*absent\): git ls-remote failed: /);
  });

  it('refuses to check out over a folder that is not empty', async () => {
    const out = dest();
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'keep.txt'), 'x');
    await expect(fetchGitSource({ connection: connection(repo.path), dest: out })).rejects.toThrow('is not empty');
  });

  describe('over HTTP with credentials', () => {
    let server: GitHttpServer;
    const token = 'ghp-test-token-5f1c9a';
    beforeAll(async () => {
      const bare = join(root, 'served');
      mkdirSync(bare);
      execFileSync('git', ['clone', '-q', '--bare', repo.path, join(bare, 'models.git')]);
      server = await startGitHttpServer({ projectRoot: bare, username: 'x-access-token', password: token });
    });
    afterAll(async () => server?.close());

    it('sends the token through the askpass helper and keeps it out of the clone', async () => {
      const out = dest();
      const result = await fetchGitSource({ connection: connection(server.url('models.git'), { username: 'x-access-token', password: token }), reference: 'v1', dest: out });
      expect(result.commit).toBe(repo.commits.c1);
      expect(server.requests.some((r) => r.user === 'x-access-token')).toBe(true);
      expect(readFileSync(join(out, '.git', 'config'), 'utf8')).not.toContain(token);
    });

    it('takes credentials written into the URI without giving them to git in the URL', async () => {
      const out = dest();
      const uri = server.url('models.git').replace('http://', `http://x-access-token:${token}@`);
      const result = await fetchGitSource({ connection: connection(uri), reference: 'feature', dest: out });
      expect(result.commit).toBe(repo.commits.c4);
      const config = readFileSync(join(out, '.git', 'config'), 'utf8');
      expect(config).toContain(server.url('models.git'));
      expect(config).not.toContain(token);
    });

    it('reports a refused login without the secret', async () => {
      const wrong = 'wrong-token-77aa31';
      const err = await fetchGitSource({ connection: connection(server.url('models.git'), { password: wrong }), dest: dest() }).catch((e: Error) => e);
      expect((err as Error).message).toMatch(/^Cannot fetch the source from git connection 'models-repo' \(http:\/\/127\.0\.0\.1:\d+\/models\.git\): git ls-remote failed: .*Authentication failed/);
      expect((err as Error).message).not.toContain(wrong);
    });
  });

  describe('over ssh', () => {
    let key: string;
    beforeAll(() => {
      const dir = join(root, 'ssh');
      mkdirSync(dir);
      execFileSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'test', '-f', join(dir, 'id')]);
      key = readFileSync(join(dir, 'id'), 'utf8');
    });
    const hostKey = 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl';

    it('writes the key to a private file and pins the host key, then removes both', async () => {
      const spec: ConnectionSpec = { type: 'git', uri: 'ssh://git@127.0.0.1:2222/models.git', keySecret: Buffer.from(key).toString('base64'), publicKey: hostKey };
      const auth = await prepareGitAuth(spec, gitLocation(spec.uri)!, 'models-repo');
      const command = auth.env.GIT_SSH_COMMAND!;
      expect(command).toContain('StrictHostKeyChecking=yes');
      expect(command).toContain('BatchMode=yes');
      const keyFile = /-i (\S+)/.exec(command)![1]!;
      const hostsFile = /UserKnownHostsFile=(\S+)/.exec(command)![1]!;
      expect(readFileSync(keyFile, 'utf8')).toBe(key);
      expect(execFileSync('stat', ['-c', '%a', keyFile], { encoding: 'utf8' }).trim()).toBe('600');
      expect(readFileSync(hostsFile, 'utf8')).toBe(`[127.0.0.1]:2222 ${hostKey}\n`);
      expect(command).not.toContain('PRIVATE KEY');
      await auth.cleanup();
      expect(existsSync(keyFile)).toBe(false);
    });

    it('fails naming the connection, URI and reference, without the key, and leaves no key file behind', async () => {
      // A temp folder of its own: other test files fetching from git at the same time use the shared one.
      const ownTmp = mkdtempSync(join(tmpdir(), 'trainyard-git-test-'));
      const sharedTmp = process.env.TMPDIR;
      process.env.TMPDIR = ownTmp;
      try {
        // Nothing listens on port 9 of loopback: ssh fails to connect.
        const conn = connection('ssh://git@127.0.0.1:9/models.git', { keySecret: key, publicKey: hostKey });
        const err = await fetchGitSource({ connection: conn, reference: 'main', dest: dest() }).catch((e: Error) => e);
        expect((err as Error).message).toMatch(/^Cannot fetch the source from git connection 'models-repo' \(ssh:\/\/git@127\.0\.0\.1:9\/models\.git\) at reference 'main': git ls-remote failed: /);
        expect((err as Error).message).not.toContain('PRIVATE KEY');
        expect(readdirSync(ownTmp)).toEqual([]);
      } finally {
        if (sharedTmp === undefined) delete process.env.TMPDIR;
        else process.env.TMPDIR = sharedTmp;
        rmSync(ownTmp, { recursive: true, force: true });
      }
    });
  });
});
