/**
 * `trainyard image build|list|prune` through the real CLI: the image `build -f` makes is the one
 * the training then finds in the cache; `prune` removes what nobody used lately and keeps images
 * that are in use.
 */
import { cpSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCli, type Cli } from '../cli/support.js';
import { EXAMPLES } from '../trainings/support.js';
import { docker, removeImage, requireDocker, TEST_IMAGE } from './docker-support.js';

describe('trainyard image', () => {
  let cli: Cli;
  let env: NodeJS.ProcessEnv;
  const tags = new Set<string>();

  beforeAll(async () => {
    await requireDocker();
    cli = await buildCli();
    env = { TRAINYARD_HOME: join(cli.dir, 'home') };
  });
  afterAll(async () => {
    for (const tag of tags) await removeImage(tag);
    cli?.close();
  });

  /** A copy of examples/iris that builds its image from a Dockerfile, with a .git folder as a real checkout has. */
  function irisWithDockerfile(name: string, marker: string): string {
    const dir = join(cli.dir, name);
    cpSync(join(EXAMPLES, 'iris'), dir, { recursive: true });
    mkdirSync(join(dir, '.git'));
    writeFileSync(join(dir, '.git', 'HEAD'), `ref: refs/heads/${name}\n`);
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${TEST_IMAGE}\nCOPY . /opt/iris/\nRUN echo ${marker}\n`);
    const manifest = `kind: ModelTraining\nid: ${name}\nspec:\n  model: {name: ${name}, version: "1.0"}\n  toolchain: command\n  command: python3 train.py data "$TRAINYARD_OUTPUT_DIR"\n  algorithmSource: {local: {path: .}}\n  executor: docker\n  dockerfile: Dockerfile\n`;
    writeFileSync(join(dir, 'training.yaml'), manifest);
    return join(dir, 'training.yaml');
  }

  async function build(file: string): Promise<string> {
    const r = await cli.run(['image', 'build', '-f', file], { env });
    expect(r.code, r.stderr).toBe(0);
    const tag = /^(trainyard\/build:[0-9a-f]{32}) \((built|cache hit)\)$/m.exec(r.stdout)?.[1];
    expect(tag, r.stdout).toBeDefined();
    tags.add(tag!);
    return tag!;
  }

  it('build -f makes the image the training uses: the training finds it in the cache', async () => {
    const file = irisWithDockerfile('iris-cli', 'cli-build');
    const first = await cli.run(['image', 'build', '-f', file], { env });
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/^Step 3\/3 : RUN echo cli-build$/m);
    const tag = /^(trainyard\/build:[0-9a-f]{32}) \(built\)$/m.exec(first.stdout)?.[1];
    expect(tag, first.stdout).toBeDefined();
    tags.add(tag!);
    const again = await cli.run(['image', 'build', '-f', file], { env });
    expect(again.stdout).toBe(`${tag} (cache hit)\n`);
    expect(again.stderr).toContain(`image cache hit: ${tag}`);

    const run = await cli.run(['local', 'train', 'run', '-f', file, '--output', join(cli.dir, 'out')], { env });
    expect(run.code, run.stdout + run.stderr).toBe(0);
    const log = await cli.run(['train', 'logs', 'iris-cli'], { env });
    expect(log.stdout).toContain(`[trainyard] image cache hit: ${tag}`);
    expect(log.stdout).not.toContain('building image');
  }, 180_000);

  it('list shows each built image with its hash, size and last use; prune removes only what nobody used within --older-than', async () => {
    const recent = await build(irisWithDockerfile('recent', 'recent'));
    const stale = await build(irisWithDockerfile('stale', 'stale'));
    const staleInUse = await build(irisWithDockerfile('stale-in-use', 'stale-in-use'));
    const tenDaysAgo = new Date(Date.now() - 10 * 86_400_000);
    for (const tag of [stale, staleInUse]) utimesSync(join(env.TRAINYARD_HOME!, 'docker', 'images', tag.split(':')[1]!), tenDaysAgo, tenDaysAgo);
    const container = await docker.createContainer({ Image: staleInUse, Cmd: ['true'] });

    try {
      const listed = await cli.run(['image', 'list', '-o', 'json'], { env });
      const items: any[] = JSON.parse(listed.stdout).items;
      const byTag = new Map(items.map((i) => [i.tag, i]));
      expect(byTag.get(recent)).toMatchObject({ hash: recent.split(':')[1], containers: 0, size: expect.any(Number), created: expect.any(Number) });
      expect(Date.now() - byTag.get(stale).lastUsed).toBeGreaterThan(9 * 86_400_000);
      expect(byTag.get(staleInUse).containers).toBe(1);
      const table = await cli.run(['image', 'list'], { env });
      expect(table.stdout).toMatch(/^IMAGE +SIZE +CREATED +LAST USED +CONTAINERS$/m);

      const dry = await cli.run(['image', 'prune', '--dry-run'], { env });
      expect(dry.stdout).toContain(`would remove ${stale} `);
      const pruned = await cli.run(['image', 'prune'], { env });
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(pruned.stdout).toContain(`removed ${stale} `);
      expect(pruned.stdout).not.toContain(recent);
      expect(pruned.stdout).not.toContain(staleInUse);
      const after = JSON.parse((await cli.run(['image', 'list', '-o', 'json'], { env })).stdout).items.map((i: any) => i.tag);
      expect(after).toEqual(expect.arrayContaining([recent, staleInUse]));
      expect(after).not.toContain(stale);
    } finally {
      await container.remove({ force: true });
    }
    const bad = await cli.run(['image', 'prune', '--older-than', 'soon'], { env });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain("--older-than 'soon' is not a duration");
  }, 240_000);
});
