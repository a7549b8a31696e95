/**
 * `trainyard pipeline run FILE [-p key=value] [--wait] [--force TASK] [--dry-run]`, `pipeline
 * status [RUN]`, `pipeline logs RUN TASK`, `pipeline cancel RUN`.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from 'commander';
import { parseParamArgs } from '../../pipelines/spec/params.js';
import type { PipelinePlan } from '../../pipelines/plan.js';
import type { PipelineRunView } from '../../pipelines/view.js';
import { CliError, EXIT_INTERRUPTED, EXIT_TIMEOUT } from '../errors.js';
import { interruptible } from '../interrupt.js';
import { formatAge, formatElapsed, OUTPUT_HELP, parseOutputFormat, render, renderTable, type Column } from '../output.js';
import { parseTimeout, say, withServer, type ServerOpts } from './common.js';
import { readManifestFile, withPipelineApi, type PipelineApi } from './pipeline-api.js';
import { DagView } from './pipeline-view.js';

const NOTE = `
The pipeline's source is the manifest's folder unless source.local.path names another; it is
snapshotted (uploaded to a server) at submit, so later edits change nothing already running.
Each task whose cache key (its definition, the params it reads, its code, its inputs, its
environment, its cacheVersion) has a stored result is taken from the cache.

Without --server (or TRAINYARD_SERVER) the pipeline runs inside this command, which waits for it
(Ctrl-C cancels it). On a server, the command returns once submitted unless --wait is given.`;

interface RunOpts extends ServerOpts {
  param: string[];
  force: string[];
  dryRun?: boolean;
  wait?: boolean;
  timeout?: string;
  output?: string;
}

const RUN_COLUMNS: Column<PipelineRunView>[] = [
  { header: 'ID', value: (r) => r.id },
  { header: 'PIPELINE', value: (r) => r.pipeline },
  { header: 'STATE', value: (r) => r.state },
  { header: 'TASKS', value: (r) => summary(r) },
  { header: 'AGE', value: (r, now) => formatAge(now - r.createdAt) },
  { header: 'SCHEDULE', value: (r) => r.scheduleId ?? '-' },
];

const collect = (value: string, previous: string[]) => [...previous, value];

export function registerPipelineCommand(program: Command): void {
  const pipeline = program.command('pipeline').description('Pipelines of cached tasks: run, status, logs, cancel');

  withServer(pipeline.command('run'))
    .description('Run a pipeline (or, with --dry-run, say what would run)')
    .argument('<file>', 'Pipeline manifest (YAML or JSON)')
    .option('-p, --param <key=value>', 'a parameter value, converted to its declared type (repeatable)', collect, [])
    .option('--force <task>', 'recompute this task and everything downstream of it, whatever the cache holds (repeatable)', collect, [])
    .option('--dry-run', 'print which tasks would run and which part of their cache key changed; run nothing')
    .option('--wait', 'wait until the run ends, showing the DAG live')
    .option('--no-wait', 'on a server: return once submitted (the default there)')
    .option('--timeout <duration>', 'with --wait: stop waiting after this long (seconds, or 90s, 10m, 1h); exit code 124')
    .option('-o, --output <format>', 'json or yaml: print the run (or the plan) as data instead of the live view')
    .addHelpText('after', NOTE)
    .action((file: string, opts: RunOpts) => runPipeline(file, opts));

  withServer(pipeline.command('status'))
    .description('Show a pipeline run with the state of each task, or list recent runs')
    .argument('[run]', 'pipeline run id; without it, the latest runs')
    .option('-o, --output <format>', OUTPUT_HELP)
    .option('--pipeline <name>', 'list only runs of this pipeline')
    .action(async (id: string | undefined, opts: ServerOpts & { output?: string; pipeline?: string }) => {
      const format = parseOutputFormat(opts.output);
      const text = await withPipelineApi(opts, async (api) => {
        if (id === undefined) return render({ list: await api.list({ ...(opts.pipeline !== undefined && { pipeline: opts.pipeline }), limit: 50 }) }, format, RUN_COLUMNS, 'No pipeline runs found.');
        const run = await api.get(id);
        return format.kind === 'table' ? statusText(run) : render({ one: run }, format, RUN_COLUMNS, '');
      });
      process.stdout.write(text);
    });

  withServer(pipeline.command('logs'))
    .description("Print a task's log: Trainyard's notes and the task's output, every try (a cached task: the log of the run that produced it)")
    .argument('<run>', 'pipeline run id')
    .argument('<task>', 'task name')
    .option('--follow', 'keep printing as the log grows, until the task ends')
    .action(async (id: string, task: string, opts: ServerOpts & { follow?: boolean }) => {
      await withPipelineApi(opts, async (api) => {
        for await (const chunk of api.logs(id, task, { follow: opts.follow === true })) process.stdout.write(chunk);
      });
    });

  withServer(pipeline.command('cancel'))
    .description('Cancel a pipeline run: running tasks are stopped, pending ones cancelled')
    .argument('<run>', 'pipeline run id')
    .action(async (id: string, opts: ServerOpts) => {
      await withPipelineApi(opts, async (api) => {
        const run = await api.cancel(id);
        say(run.state === 'cancelled' ? `pipeline run ${id} cancelled` : run.state === 'running' ? `pipeline run ${id}: cancel requested (running tasks are being stopped)` : `pipeline run ${id} had already ${run.state}`);
      });
    });
}

async function runPipeline(file: string, opts: RunOpts): Promise<void> {
  const { manifest, baseDir } = readManifestFile(file, 'Pipeline');
  const submission = { manifest, baseDir, params: parseParamArgs(opts.param), force: opts.force };
  const format = opts.output === undefined ? undefined : parseOutputFormat(opts.output);
  if (format && format.kind !== 'json' && format.kind !== 'yaml') throw new CliError('-o for pipeline run takes json or yaml');
  const timeoutSeconds = opts.timeout === undefined ? undefined : parseTimeout(opts.timeout);
  await withPipelineApi(opts, async (api) => {
    if (opts.dryRun) {
      const plan = await api.plan(submission);
      process.stdout.write(format ? render({ one: plan }, format, [], '') : planText(plan));
      return;
    }
    const wait = api.runsOutliveCommand ? opts.wait === true : opts.wait !== false || noWaitRefused();
    if (timeoutSeconds !== undefined && !wait) throw new CliError('--timeout applies to waiting: add --wait');
    const submitted = await api.submit(submission);
    if (!wait) {
      process.stdout.write(format ? render({ one: submitted }, format, [], '') : `pipeline run ${submitted.id} submitted (${submitted.tasks.length} tasks); follow it with: trainyard pipeline status ${submitted.id}\n`);
      return;
    }
    const view = new DagView(format ? { write: () => true } : process.stdout);
    if (!format && api.mode === 'embedded' && opts.wait === undefined) view.line(view.paint('2', 'No --server: the pipeline runs in this command, which waits for it (Ctrl-C cancels it).'));
    const final = await waitForRun(api, submitted.id, view, timeoutSeconds);
    if (format) process.stdout.write(render({ one: final }, format, [], ''));
    else printSummary(final, view);
    if (final.state !== 'succeeded') throw new CliError(`pipeline run ${final.id} ${final.state}: ${final.message ?? ''}`.trim());
  });
}

function noWaitRefused(): never {
  throw new CliError('--no-wait needs a server: without one the pipeline runs inside this command. Start `trainyard server` and pass --server URL (or set TRAINYARD_SERVER)');
}

/** Follows a run until it ends, drawing its DAG. Ctrl-C or --timeout: a server keeps the run; embedded, it is cancelled. */
async function waitForRun(api: PipelineApi, id: string, view: DagView, timeoutSeconds: number | undefined): Promise<PipelineRunView> {
  const started = Date.now();
  const deadline = timeoutSeconds === undefined ? Infinity : started + timeoutSeconds * 1000;
  return interruptible(async (interrupted) => {
    for (;;) {
      const run = await api.get(id);
      view.update(run, Date.now() - started);
      if (run.state !== 'running') {
        view.freeze();
        return run;
      }
      if (interrupted.aborted || Date.now() > deadline) {
        const timedOut = !interrupted.aborted;
        const why = timedOut ? `stopped waiting after --timeout ${timeoutSeconds}s` : 'interrupted';
        const code = timedOut ? EXIT_TIMEOUT : EXIT_INTERRUPTED;
        view.freeze();
        if (api.runsOutliveCommand) throw new CliError(`${why}: pipeline run ${id} is still running on the server; see it with \`trainyard pipeline status ${id}\``, code);
        view.line(`${why}: cancelling pipeline run ${id}, which runs only while this command does (Ctrl-C again to quit at once)`);
        await api.cancel(id);
        const settled = await settle(api, id);
        throw new CliError(`${why}: pipeline run ${id} ${settled?.state ?? 'is being cancelled'}`, code);
      }
      await sleep(view.tty ? 150 : 500, undefined, { signal: interrupted }).catch(() => undefined);
    }
  });
}

async function settle(api: PipelineApi, id: string): Promise<PipelineRunView | undefined> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const run = await api.get(id);
    if (run.state !== 'running') return run;
    await sleep(200);
  }
  return undefined;
}

function printSummary(run: PipelineRunView, view: DagView): void {
  const took = run.finishedAt === undefined ? '' : ` in ${formatElapsed(run.finishedAt - run.createdAt)}`;
  const colour = run.state === 'succeeded' ? '32' : run.state === 'failed' ? '31' : '33';
  view.line(view.paint('1', `Pipeline run ${run.id} ${view.paint(colour, run.state)}${took}: ${summary(run)}`));
  if (run.runId) view.line(`  tracking  run ${run.runId} (experiment ${run.experiment}); each task has a nested run`);
}

function summary(run: PipelineRunView): string {
  return Object.entries(run.summary)
    .map(([state, n]) => `${n} ${state}`)
    .join(', ');
}

function statusText(run: PipelineRunView): string {
  const head = [
    `Pipeline run  ${run.id}  (${run.pipeline})`,
    `State         ${run.state}${run.cancelRequested && run.state === 'running' ? ' (cancel requested)' : ''}`,
    `Params        ${Object.entries(run.params).map(([k, v]) => `${k}=${String(v)}`).join('  ') || '-'}`,
    ...(run.force.length ? [`Forced        ${run.force.join(', ')}`] : []),
    ...(run.runId ? [`Tracking run  ${run.runId}`] : []),
    ...(run.scheduleId ? [`Schedule      ${run.scheduleId}`] : []),
    ...(run.message ? [`Message       ${run.message}`] : []),
    '',
  ];
  const rows = run.tasks.map((t) => [
    t.name,
    t.state,
    t.needs.join(',') || '-',
    t.maxAttempts > 1 ? `${t.attempt}/${t.maxAttempts}` : String(t.attempt),
    t.cacheKey?.slice(0, 12) ?? '-',
    t.cachedFrom ? `cached from ${t.cachedFrom.pipelineRunId}` : (t.message ?? ''),
  ]);
  return `${head.join('\n')}\n${renderTable(['TASK', 'STATE', 'NEEDS', 'TRIES', 'CACHE KEY', 'DETAIL'], rows)}`;
}

function planText(plan: PipelinePlan): string {
  const rows = plan.tasks.map((t) => [t.name, t.action === 'run' ? 'RUN' : 'cached', t.reason]);
  const runs = plan.tasks.filter((t) => t.action === 'run').length;
  return `${renderTable(['TASK', 'ACTION', 'WHY'], rows)}${runs} of ${plan.tasks.length} task${plan.tasks.length === 1 ? '' : 's'} would run (dry run: nothing was started)\n`;
}
