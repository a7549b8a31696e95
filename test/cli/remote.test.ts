import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../support/server.js';
import { waitForState } from '../trainings/support.js';
import { CONNECTION, FIVE_FIELDS, FIVE_MISTAKES } from './five-mistakes.js';
import { buildCli, EXAMPLES, type Cli, type CliResult } from './support.js';

const QUICKSTART = join(EXAMPLES, 'quickstart/training.yaml');

describe('train and connection commands against a server (remote)', () => {
  let cli: Cli;
  let server: TestServer;
  let run: (args: string[], env?: NodeJS.ProcessEnv) => Promise<CliResult>;
  beforeAll(async () => {
    [cli, server] = await Promise.all([buildCli(), startTestServer('sqlite')]);
    // A home of its own: nothing may come from a local store in remote mode.
    run = (args, env = {}) => cli.run(args, { env: { TRAINYARD_HOME: join(cli.dir, 'client-home'), ...env } });
  });
  afterAll(async () => {
    cli?.close();
    await server?.close();
  });

  it('train create --wait uploads the source folder, follows the training and links its run on the server', async () => {
    const r = await run(['train', 'create', '-f', QUICKSTART, '--wait', '--server', server.url]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^training quickstart created$/m);
    expect(r.stdout).toMatch(/^\[\d+\.\ds\] quickstart: succeeded/m);
    expect(r.stdout).toMatch(/^Model: rent = /m);

    const t = await server.services.trainings.get('quickstart');
    expect(t.status.state).toBe('succeeded');
    // The server got the folder as an uploaded snapshot, identical to what it would make of it itself.
    const local = await server.services.snapshots.fromFolder(join(EXAMPLES, 'quickstart'));
    expect(t.spec.algorithmSource?.local?.snapshot).toBe(local.hash);
    expect(t.status.sourceHash).toBe(local.hash);

    const run_ = await server.services.tracking.runs.get(t.status.runId!);
    expect(r.stdout).toContain(`  run       ${t.status.runId}   (experiment ${run_.info.experiment_id})\n`);
    expect(r.stdout).toContain(`  tracking  ${server.url}/runs/${t.status.runId}\n`);
    expect(r.stdout).toMatch(new RegExp(`^ {2}archive +${t.status.artifacts[0]!.artifactName.replaceAll('.', '\\.')} `, 'm'));

    const env = { TRAINYARD_SERVER: server.url };
    const [json, ids, logs, ignored] = await Promise.all([
      run(['train', 'get', '--id', 'quickstart', '-o', 'json'], env),
      run(['train', 'get', '-o', 'jsonpath={.items[*].status.state}', '--state', 'succeeded'], env),
      run(['train', 'logs', 'quickstart'], env),
      run(['train', 'create', '-f', QUICKSTART, '--ignore-if-exists'], env),
    ]);
    expect(JSON.parse(json.stdout)).toEqual(t);
    expect(ids.stdout).toBe('succeeded\n');
    expect(logs.stdout).toMatch(/^::metric name=mse value=[\d.]+ step=60$/m);
    expect(ignored.stdout).toBe('training quickstart already exists (ignored: --ignore-if-exists)\n');
  });

  it('on --timeout stops waiting with exit code 124 and leaves the training running; train cancel stops it', async () => {
    const file = join(cli.dir, 'sleeper.yaml');
    writeFileSync(
      file,
      `kind: ModelTraining\nid: sleeper\nspec:\n  model: {name: sleeper, version: "1"}\n  toolchain: command\n  command: sleep 30\n  algorithmSource: {local: {path: ${JSON.stringify(join(EXAMPLES, 'quickstart'))}}}\n`,
    );
    const r = await run(['train', 'create', '-f', file, '--wait', '--timeout', '1', '--server', server.url]);
    expect(r.code).toBe(124);
    expect(r.stderr).toMatch(/^trainyard: stopped waiting after --timeout 1s: training sleeper is still (scheduling|running) on the server; follow it with `trainyard train logs sleeper --follow`$/m);
    expect((await waitForState(server.services.trainings, 'sleeper', ['running'])).status.state).toBe('running');

    const cancel = await run(['train', 'cancel', 'sleeper', '--server', server.url]);
    expect(cancel.code).toBe(0);
    expect(cancel.stdout).toMatch(/^training sleeper(: cancel requested| cancelled)/);
    expect((await waitForState(server.services.trainings, 'sleeper')).status).toMatchObject({ state: 'cancelled', reason: 'Cancelled' });
  });

  it('lists all five mistakes the server found, one line per field, and exits 1', async () => {
    const file = join(cli.dir, 'bad.yaml');
    writeFileSync(file, FIVE_MISTAKES);
    const r = await run(['train', 'create', '-f', file, '--server', server.url]);
    expect(r.code).toBe(1);
    const lines = r.stderr.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^trainyard: ${file} \\(ModelTraining 'Bad_Id'\\): .*5 problems`));
    expect(lines.slice(1).map((l) => /^ {2}- ([^:]+): /.exec(l)?.[1])).toEqual(FIVE_FIELDS);
  });

  it('train edit submits a new generation (uploading the folder again) and returns; train delete and --ignore-not-found', async () => {
    const env = { TRAINYARD_SERVER: server.url };
    const edited = await run(['train', 'edit', '-f', QUICKSTART], env);
    expect(edited.stdout).toBe('training quickstart edited\n');
    const t = await server.services.trainings.get('quickstart');
    expect(t.status.generation).toBe(2);
    expect(t.spec.algorithmSource?.local?.snapshot).toMatch(/^[0-9a-f]{64}$/);

    expect((await run(['train', 'delete', '--id', 'quickstart'], env)).stdout).toBe('training quickstart deleted\n');
    const [again, ignored] = await Promise.all([run(['train', 'delete', '--id', 'quickstart'], env), run(['train', 'delete', '-f', QUICKSTART, '--ignore-not-found'], env)]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe("trainyard: Training 'quickstart' does not exist\n");
    expect(ignored.stdout).toBe('training quickstart does not exist (ignored: --ignore-not-found)\n');
  });

  it('connection create, get masked, get --decrypted with the admin token only', async () => {
    const file = join(cli.dir, 'connection.yaml');
    writeFileSync(file, CONNECTION);
    const env = { TRAINYARD_SERVER: server.url };
    expect((await run(['connection', 'create', '-f', file], env)).stdout).toBe('connection shared-data created\n');
    const token = readFileSync(join(server.home, 'admin.token'), 'utf8').trim();
    const [masked, decrypted, noToken] = await Promise.all([
      run(['connection', 'get', '--id', 'shared-data', '-o', 'yaml'], env),
      run(['connection', 'get', '--id', 'shared-data', '--decrypted', '-o', 'jsonpath={.spec.password}'], { ...env, TRAINYARD_ADMIN_TOKEN: token }),
      run(['connection', 'get', '--id', 'shared-data', '--decrypted'], env),
    ]);
    expect(masked.stdout).toContain('password: "*****"');
    expect(masked.stdout).not.toContain('s3cret');
    expect(decrypted.stdout).toBe('s3cret-Pa55\n');
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^trainyard: --decrypted on a server needs its admin token: --token TOKEN or TRAINYARD_ADMIN_TOKEN/);
    expect(noToken.stdout).toBe('');
  });
});
