/** The pipeline and schedule commands through the real CLI, against a server and embedded. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { buildCli, type Cli, type CliResult } from '../cli/support.js';
import { startTestServer, type TestServer } from '../support/server.js';

const PIPELINE = {
  kind: 'Pipeline',
  name: 'clipipe',
  params: { n: { type: 'integer', default: 2 } },
  tasks: {
    make: { command: 'sh make.sh {n}', code: ['make.sh'], outputs: ['numbers.txt'] },
    sum: { command: 'awk \'{s+=$1} END {print "sum=" s}\' numbers.txt', inputs: ['make'] },
  },
};

/** A pipeline folder in the CLI's scratch space: its manifest, a script, and a schedule beside it. */
function pipelineFolder(cli: Cli, name: string, manifest: object = PIPELINE): string {
  const dir = join(cli.dir, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'make.sh'), 'i=1; while [ $i -le "$1" ]; do echo $i; i=$((i+1)); done > numbers.txt\n');
  writeFileSync(join(dir, 'pipeline.yaml'), stringify(manifest));
  writeFileSync(join(dir, 'schedule.yaml'), stringify({ kind: 'Schedule', id: 'nightly', spec: { cron: '0 3 * * *', pipeline: { file: 'pipeline.yaml', params: { n: 5 } } } }));
  return dir;
}

const runIdOf = (r: CliResult) => /^Pipeline run (\S+) /m.exec(r.stdout)?.[1] ?? /pipeline run (\S+) submitted/.exec(r.stdout)?.[1];

describe('pipeline commands against a server', { timeout: 120_000 }, () => {
  let cli: Cli;
  let server: TestServer;
  let run: (args: string[]) => Promise<CliResult>;
  beforeAll(async () => {
    [cli, server] = await Promise.all([buildCli(), startTestServer('sqlite')]);
    run = (args) => cli.run(args, { env: { TRAINYARD_HOME: join(cli.dir, 'client-home'), TRAINYARD_SERVER: server.url } });
  });
  afterAll(async () => {
    cli?.close();
    await server?.close();
  });

  it('runs a pipeline with --wait (uploading its folder), then plans a dry run, shows status and logs', async () => {
    const dir = pipelineFolder(cli, 'remote');
    const r = await run(['pipeline', 'run', join(dir, 'pipeline.yaml'), '-p', 'n=4', '--wait']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\[\d+\.\ds\] make: succeeded$/m);
    expect(r.stdout).toMatch(/^\[\d+\.\ds\] sum: succeeded$/m);
    expect(r.stdout).toMatch(/^Pipeline run clipipe-[0-9a-f]{8} succeeded in .*: 2 succeeded$/m);
    const id = runIdOf(r)!;
    const onServer = await server.services.pipelines.repo.require(id);
    expect(onServer.spec.source.snapshot).toBe((await server.services.snapshots.fromFolder(dir)).hash);
    expect(onServer.params).toEqual({ n: 4 });

    const plan = await run(['pipeline', 'run', join(dir, 'pipeline.yaml'), '-p', 'n=4', '--dry-run']);
    expect(plan.stdout).toMatch(/^make +cached +cached: the result of pipeline run clipipe-/m);
    expect(plan.stdout).toContain('0 of 2 tasks would run (dry run: nothing was started)');
    const changed = await run(['pipeline', 'run', join(dir, 'pipeline.yaml'), '-p', 'n=5', '--dry-run', '-o', 'json']);
    expect(JSON.parse(changed.stdout).tasks.map((t: any) => [t.name, t.action, t.changed])).toEqual([['make', 'run', ['definition', 'params']], ['sum', 'run', []]]);

    const status = await run(['pipeline', 'status', id]);
    expect(status.stdout).toMatch(/^State +succeeded$/m);
    expect(status.stdout).toMatch(/^sum +succeeded +make +1 /m);
    expect((await run(['pipeline', 'logs', id, 'sum'])).stdout).toContain('sum=10');
    const listed = await run(['pipeline', 'status', '-o', 'jsonpath={.items[*].id}']);
    expect(listed.stdout.trim().split(' ')).toContain(id);
  });

  it('submits without waiting, cancels, and reports refusals and failures with their fields and exit codes', async () => {
    const dir = pipelineFolder(cli, 'remote-slow', { kind: 'Pipeline', name: 'sleepy', tasks: { nap: { command: 'sleep 30' } } });
    const submitted = await run(['pipeline', 'run', join(dir, 'pipeline.yaml')]);
    expect(submitted.code).toBe(0);
    const id = runIdOf(submitted)!;
    expect((await run(['pipeline', 'cancel', id])).stdout).toMatch(/cancel/);

    const cyclic = pipelineFolder(cli, 'remote-cyclic', { kind: 'Pipeline', name: 'cyclic', params: { n: { type: 'integer' } }, tasks: { a: { command: 'true', needs: ['b'] }, b: { command: 'true', needs: ['a'] } } });
    const refused = await run(['pipeline', 'run', join(cyclic, 'pipeline.yaml'), '-p', 'n=x']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/the tasks form a cycle: (a → b → a|b → a → b)/);
    const params = await run(['pipeline', 'run', join(dir, 'pipeline.yaml'), '-p', 'n=x']);
    expect(params.stderr).toContain("  - params.n: the pipeline declares no parameter 'n' (it declares none)");

    const broken = pipelineFolder(cli, 'remote-broken', { kind: 'Pipeline', name: 'broken', tasks: { oops: { command: 'exit 4' } } });
    const failed = await run(['pipeline', 'run', join(broken, 'pipeline.yaml'), '--wait']);
    expect(failed.code).toBe(1);
    expect(failed.stdout).toMatch(/^\[\d+\.\ds\] oops: failed {2}\(exited with code 4\)$/m);
    expect(failed.stderr).toMatch(/pipeline run broken-[0-9a-f]{8} failed: 1 failed; failed: oops \(exited with code 4\)/);
  });

  it('creates a schedule from a file naming its pipeline file, lists it with its next firing, deletes it', async () => {
    const dir = pipelineFolder(cli, 'remote-schedule');
    const created = await run(['schedule', 'create', '-f', join(dir, 'schedule.yaml')]);
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^schedule nightly created; next firing \d{4}-\d\d-\d\dT03:00:00Z$/m);
    const stored = await server.services.schedules.get('nightly');
    expect(stored.spec.target).toMatchObject({ kind: 'pipeline', params: { n: 5 }, manifest: { name: 'clipipe', source: { local: { snapshot: (await server.services.snapshots.fromFolder(dir)).hash } } } });
    const listed = await run(['schedule', 'get']);
    expect(listed.stdout).toMatch(/^nightly +0 3 \* \* \* +UTC +pipeline clipipe +skip +\d{4}-\d\d-\d\dT03:00:00Z +- +0$/m);
    expect((await run(['schedule', 'delete', 'nightly'])).stdout).toBe('schedule nightly deleted\n');
    expect((await run(['schedule', 'get', 'nightly'])).stderr).toContain("Schedule 'nightly' does not exist");
  });
});

describe('pipeline commands embedded (no server)', { timeout: 120_000 }, () => {
  let cli: Cli;
  let run: (args: string[], interruptWhen?: RegExp) => Promise<CliResult>;
  beforeAll(async () => {
    cli = await buildCli();
    run = (args, interruptWhen) => cli.run(args, { env: { TRAINYARD_HOME: join(cli.dir, 'home') }, ...(interruptWhen && { interruptWhen }) });
  });
  afterAll(() => cli?.close());

  it('runs in the command, then finds everything cached; Ctrl-C cancels a run', async () => {
    const dir = pipelineFolder(cli, 'embedded');
    const first = await run(['pipeline', 'run', join(dir, 'pipeline.yaml')]);
    expect(first.stderr).toBe('');
    expect(first.stdout).toContain('No --server: the pipeline runs in this command, which waits for it (Ctrl-C cancels it).');
    expect(first.stdout).toMatch(/^Pipeline run \S+ succeeded in .*: 2 succeeded$/m);
    const second = await run(['pipeline', 'run', join(dir, 'pipeline.yaml')]);
    expect(second.stdout).toMatch(/^\[\d+\.\ds\] make: cached {2}\(from clipipe-[0-9a-f]{8}\)$/m);
    expect(second.stdout).toMatch(/^Pipeline run \S+ succeeded in .*: 2 cached$/m);

    const slow = pipelineFolder(cli, 'embedded-slow', { kind: 'Pipeline', name: 'sleepy', tasks: { nap: { command: 'sleep 30' } } });
    const interrupted = await run(['pipeline', 'run', join(slow, 'pipeline.yaml')], /nap: running/);
    expect(interrupted.code).toBe(130);
    expect(interrupted.stderr).toMatch(/interrupted: pipeline run sleepy-[0-9a-f]{8} cancelled/);
  });
});
