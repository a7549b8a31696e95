import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { CONNECTION, FIVE_FIELDS, FIVE_MISTAKES } from './five-mistakes.js';
import { buildCli, EXAMPLES, type Cli, type CliResult } from './support.js';

const QUICKSTART = join(EXAMPLES, 'quickstart/training.yaml');

describe('train and connection commands on the local store (embedded)', () => {
  let cli: Cli;
  let run: (...args: string[]) => Promise<CliResult>;
  beforeAll(async () => {
    cli = await buildCli();
    const env = { TRAINYARD_HOME: join(cli.dir, 'home') };
    run = (...args) => cli.run(args, { env });
  });
  afterAll(() => cli?.close());

  it('train create runs the training inside the command, waiting without --wait; get and logs show it', async () => {
    const created = await run('train', 'create', '-f', QUICKSTART);
    expect(created.stderr).toBe('');
    expect(created.code).toBe(0);
    expect(created.stdout).toMatch(/^training quickstart created$/m);
    expect(created.stdout).toMatch(/^No --server: the training runs in this command, which waits for it/m);
    expect(created.stdout).toMatch(/^Training quickstart succeeded in [\d.]+s$/m);
    const runId = /^ {2}run +([0-9a-f]{32}) /m.exec(created.stdout)![1]!;

    const [table, json, yaml, state, ids, logs] = await Promise.all([
      run('train', 'get'),
      run('train', 'get', '--id', 'quickstart', '-o', 'json'),
      run('train', 'get', '-o', 'yaml'),
      run('train', 'get', '--id', 'quickstart', '-o', 'jsonpath={.status.state}'),
      run('train', 'get', '-o', 'jsonpath={.items[*].id}'),
      run('train', 'logs', 'quickstart'),
    ]);
    expect(table.stdout.split('\n')[0]).toMatch(/^ID +MODEL +VERSION +STATE +AGE +RUN$/);
    expect(table.stdout.split('\n')[1]).toMatch(new RegExp(`^quickstart +quickstart +1\\.0 +succeeded +\\d+s +${runId}$`));
    const one = JSON.parse(json.stdout);
    expect(one).toMatchObject({ kind: 'ModelTraining', id: 'quickstart', status: { state: 'succeeded', runId, modelVersion: '1' } });
    // Defaults filled in by the platform are shown.
    expect(one.spec.resources.requests).toEqual({ cpu: '500m', memory: '256Mi', gpu: 0 });
    expect(parseYaml(yaml.stdout).items.map((t: { id: string }) => t.id)).toEqual(['quickstart']);
    expect(state.stdout).toBe('succeeded\n');
    expect(ids.stdout).toBe('quickstart\n');
    // The log as written: preparation notes, the program's output and its ::metric lines.
    expect(logs.stdout).toMatch(/^\[trainyard\] preparing quickstart/m);
    expect(logs.stdout).toMatch(/^::metric name=mse value=[\d.]+ step=60$/m);
    expect(logs.stdout).toMatch(/^Model: rent = /m);
  });

  it('create --ignore-if-exists skips an existing training; without it, create fails naming it', async () => {
    const [ignored, refused] = await Promise.all([run('train', 'create', '-f', QUICKSTART, '--ignore-if-exists'), run('train', 'create', '-f', QUICKSTART)]);
    expect(ignored.code).toBe(0);
    expect(ignored.stdout).toBe('training quickstart already exists (ignored: --ignore-if-exists)\n');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(`trainyard: ${QUICKSTART} (ModelTraining 'quickstart'): Training 'quickstart' already exists; edit it to run it again\n`);
  });

  it('lists all five mistakes of a manifest, one line per field, and exits 1', async () => {
    const file = join(cli.dir, 'bad.yaml');
    writeFileSync(file, FIVE_MISTAKES);
    const r = await run('train', 'create', '-f', file);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toBe(`trainyard: ${file} (ModelTraining 'Bad_Id'): Invalid ModelTraining manifest (5 problems)`);
    expect(lines.slice(1).map((l) => /^ {2}- ([^:]+): /.exec(l)?.[1])).toEqual(FIVE_FIELDS);
    expect(r.stdout).toBe('');
  });

  it('refuses --no-wait without a server: the training would have nothing to run it', async () => {
    const r = await run('train', 'create', '-f', QUICKSTART, '--no-wait');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^trainyard: --no-wait needs a server/);
  });

  it('train delete by file and by id; --ignore-not-found', async () => {
    const byFile = await run('train', 'delete', '-f', QUICKSTART);
    expect(byFile.stdout).toBe('training quickstart deleted\n');
    const [again, ignored] = await Promise.all([run('train', 'delete', '--id', 'quickstart'), run('train', 'delete', '--id', 'quickstart', '--ignore-not-found')]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("trainyard: Training 'quickstart' does not exist\n");
    expect(ignored.code).toBe(0);
    expect(ignored.stdout).toBe('training quickstart does not exist (ignored: --ignore-not-found)\n');
    expect((await run('train', 'get')).stdout).toBe('No trainings found.\n');
  });

  it('connection create, get with secrets masked, get --decrypted, delete', async () => {
    const file = join(cli.dir, 'connection.yaml');
    writeFileSync(file, CONNECTION);
    expect((await run('connection', 'create', '-f', file)).stdout).toBe('connection shared-data created\n');
    const [table, masked, decrypted, needsId] = await Promise.all([
      run('connection', 'get'),
      run('connection', 'get', '--id', 'shared-data', '-o', 'json'),
      run('connection', 'get', '--id', 'shared-data', '--decrypted', '-o', 'jsonpath={.spec.password}'),
      run('connection', 'get', '--decrypted'),
    ]);
    expect(table.stdout).toMatch(/^ID +TYPE +URI +AGE +DESCRIPTION\nshared-data +https +https:\/\/data\.example\.com\/files\/ +\d+s +team data\n$/);
    expect(JSON.parse(masked.stdout).spec).toMatchObject({ username: 'reader', password: '*****' });
    expect(masked.stdout).not.toContain('s3cret');
    expect(decrypted.stdout).toBe('s3cret-Pa55\n');
    expect(needsId.code).toBe(1);
    expect(needsId.stderr).toBe('trainyard: --decrypted reads one connection at a time: add --id ID\n');

    // An edit that leaves the password out keeps the stored one.
    writeFileSync(file, CONNECTION.replace(/^ {2}password: .*\n/m, '').replace('team data', 'shared team data'));
    expect((await run('connection', 'edit', '-f', file)).stdout).toBe('connection shared-data edited\n');
    const after = await run('connection', 'get', '--id', 'shared-data', '--decrypted', '-o', 'json');
    expect(JSON.parse(after.stdout).spec).toMatchObject({ description: 'shared team data', password: 's3cret-Pa55' });

    expect((await run('connection', 'delete', '-f', file)).stdout).toBe('connection shared-data deleted\n');
    expect((await run('connection', 'get')).stdout).toBe('No connections found.\n');
  });
});
