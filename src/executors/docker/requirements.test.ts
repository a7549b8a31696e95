import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { localReferences, requirementsDockerfile, requirementsSources } from './requirements.js';

describe('requirements files', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-req-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('finds local files: includes, constraints, wheels and --find-links folders, not package names or URLs', () => {
    const text = '-r base.txt\n--constraint=c.txt\n-f ./wheels\nnumpy==1.26 # pinned\n./wheels/x-1.0-py3-none-any.whl\nhttps://example.com/p.whl\n';
    expect(localReferences(text)).toEqual([
      { path: 'base.txt', include: true },
      { path: 'c.txt', include: true },
      { path: './wheels', include: false },
      { path: './wheels/x-1.0-py3-none-any.whl', include: false },
    ]);
  });

  it('follows includes relative to the including file and refuses paths outside the source', async () => {
    mkdirSync(join(dir, 'env'), { recursive: true });
    writeFileSync(join(dir, 'env', 'requirements.txt'), '-r common.txt\n./pkgs/a.whl\n');
    writeFileSync(join(dir, 'env', 'common.txt'), 'pandas\n');
    expect(await requirementsSources(dir, 'env/requirements.txt')).toEqual(['env/requirements.txt', 'env/common.txt', 'env/pkgs/a.whl']);
    writeFileSync(join(dir, 'bad.txt'), '-r ../../etc/passwd\n');
    await expect(requirementsSources(dir, 'bad.txt')).rejects.toThrow(/'..\/..\/etc\/passwd' is outside the training's source/);
    await expect(requirementsSources(dir, 'missing.txt')).rejects.toThrow(/cannot read missing.txt in the source: ENOENT/);
  });

  it("writes a Dockerfile that installs from the file's own folder", () => {
    const text = requirementsDockerfile('base:1', "env/it's.txt");
    expect(text).toContain('FROM base:1\n');
    expect(text).toContain('WORKDIR /tmp/trainyard-requirements/env\n');
    expect(text).toContain(`pip install -r 'it'\\''s.txt'`);
  });
});
