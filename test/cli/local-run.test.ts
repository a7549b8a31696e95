import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import yauzl from 'yauzl';
import { buildCli, EXAMPLES, variant, type Cli } from './support.js';

function zipEntries(file: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    yauzl.open(file, { lazyEntries: true }, (err, zip) => {
      if (err || !zip) return reject(err);
      const names: string[] = [];
      zip.on('entry', (e: yauzl.Entry) => {
        names.push(e.fileName);
        zip.readEntry();
      });
      zip.on('end', () => resolve(names));
      zip.on('error', reject);
      zip.readEntry();
    });
  });
}

describe('trainyard local train run', () => {
  let cli: Cli;
  let env: NodeJS.ProcessEnv;
  beforeAll(async () => {
    cli = await buildCli();
    env = { TRAINYARD_HOME: join(cli.dir, 'home') };
  });
  afterAll(() => cli?.close());

  it('runs the quickstart with no server, prints where its results are, and copies archive and output', async () => {
    const out = join(cli.dir, 'results');
    const r = await cli.run(['local', 'train', 'run', '-f', join(EXAMPLES, 'quickstart/training.yaml'), '--output', out], { env });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Progress: state changes with elapsed time and the program's own output, without ::metric lines.
    expect(r.stdout).toMatch(/^\[\d+\.\ds\] quickstart: running/m);
    expect(r.stdout).toMatch(/^epoch {2}60 {2}mse /m);
    expect(r.stdout).not.toMatch(/^::metric/m);
    expect(r.stdout).toMatch(/^\[\d+\.\ds\] quickstart: succeeded/m);

    const runId = /^ {2}run +([0-9a-f]{32}) +\(experiment \d+\)$/m.exec(r.stdout)?.[1];
    expect(runId).toBeDefined();
    // Where `trainyard server` on the same store will show it.
    expect(r.stdout).toMatch(new RegExp(`^ {2}tracking +http://127\\.0\\.0\\.1:5000/runs/${runId} +\\(browse it with \`trainyard server\`\\)$`, 'm'));
    expect(r.stdout).toMatch(/^ {2}metrics +mse=[\d.]+ {2}rmse=[\d.]+$/m);
    expect(r.stdout).toMatch(/^ {2}model +quickstart version 1$/m);
    const archive = /^ {2}archive +(quickstart-1\.0-[0-9a-f-]{36}\.zip)/m.exec(r.stdout)?.[1];
    expect(archive).toBeDefined();

    expect(readdirSync(out).sort()).toEqual([archive, 'output'].sort());
    const model = JSON.parse(readFileSync(join(out, 'output/model.json'), 'utf8'));
    expect(model).toMatchObject({ slope: expect.any(Number), intercept: expect.any(Number) });
    expect(await zipEntries(join(out, archive!))).toEqual(expect.arrayContaining(['output/model.json', 'training.log']));
  });

  it('runs it again as a new generation when the training exists in the store', async () => {
    const r = await cli.run(['local', 'train', 'run', '-f', join(EXAMPLES, 'quickstart/training.yaml')], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^training quickstart edited; running it here/m);
    expect(r.stdout).toMatch(/^ {2}model +quickstart version 2$/m);
    // Default output folder: ./output/<id> under the current folder.
    expect(existsSync(join(cli.dir, 'output/quickstart/output/model.json'))).toBe(true);
  });

  it('applies the Connection documents of the file first, then runs the chosen training with their data', async () => {
    const file = join(cli.dir, 'with-data.yaml');
    const training = (id: string) =>
      [
        'kind: ModelTraining',
        `id: ${id}`,
        'spec:',
        `  model: {name: ${id}, version: "1"}`,
        '  toolchain: command',
        '  command: cp input/rent.csv "$TRAINYARD_OUTPUT_DIR/"',
        '  data: [{connName: rent-data, localPath: input/}]',
        `  algorithmSource: {local: {path: ${JSON.stringify(join(EXAMPLES, 'quickstart'))}}}`,
      ].join('\n');
    writeFileSync(
      file,
      [training('other'), `kind: Connection\nid: rent-data\nspec: {type: local, uri: ${JSON.stringify(join(EXAMPLES, 'quickstart/data'))}}`, training('with-data')].join('\n---\n'),
    );
    const several = await cli.run(['local', 'train', 'run', '-f', file], { env });
    expect(several.code).toBe(1);
    expect(several.stderr).toBe(`trainyard: '${file}' holds 2 trainings (other, with-data): choose one with --id\n`);

    const out = join(cli.dir, 'with-data-out');
    const r = await cli.run(['local', 'train', 'run', '-f', file, '--id', 'with-data', '--output', out], { env });
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^connection rent-data created\ntraining with-data created; running it here/m);
    expect(readFileSync(join(out, 'output/rent.csv'), 'utf8')).toBe(readFileSync(join(EXAMPLES, 'quickstart/data/rent.csv'), 'utf8'));
  });

  it('exits 1 with the reason and message when the training fails', async () => {
    const r = await cli.run(['local', 'train', 'run', '-f', variant(cli, 'broken', 'echo oops >&2; exit 3')], { env });
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^oops$/m);
    expect(r.stderr).toMatch(/^trainyard: training broken failed after [\d.]+s: Error: .*\(exit code 3\)$/m);
    expect(r.stderr).not.toMatch(/\n\s+at /);
  });

  it('on Ctrl-C cancels the training, which cannot outlive the command, and exits 130', async () => {
    const r = await cli.run(['local', 'train', 'run', '-f', variant(cli, 'sleeper', 'echo sleeping; sleep 30')], {
      env: { ...env, TRAINYARD_CANCEL_GRACE_SECONDS: '2' },
      interruptWhen: /^sleeping$/m,
    });
    expect(r.code).toBe(130);
    expect(r.stdout).toMatch(/^interrupted: cancelling training sleeper, which runs only while this command does/m);
    expect(r.stderr).toBe('trainyard: interrupted: training sleeper cancelled\n');
  });
});
