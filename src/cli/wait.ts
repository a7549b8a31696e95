/**
 * A command waiting for a training: shows its progress, then either prints where its results are
 * or fails with the training's reason and message. Ctrl-C (or SIGTERM) and `--timeout` stop the waiting; an
 * embedded training cannot outlive the command, so it is cancelled then (said on screen).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FINISHED_STATES } from '../trainings/resource.js';
import type { ModelTraining, TrainyardApi } from './api.js';
import { CliError, EXIT_INTERRUPTED, EXIT_TIMEOUT } from './errors.js';
import { interruptible } from './interrupt.js';
import { formatElapsed } from './output.js';
import type { ProgressView } from './progress.js';
import { watchTraining, type WatchResult } from './watch.js';

export interface WaitOptions {
  timeoutSeconds?: number | undefined;
  /** Lines to add to the summary after a success (e.g. where a local run copied its results). */
  afterSuccess?: (training: ModelTraining) => Promise<[label: string, value: string][]>;
}

export async function waitForTraining(api: TrainyardApi, id: string, view: ProgressView, options: WaitOptions = {}): Promise<ModelTraining> {
  const timeoutMs = options.timeoutSeconds === undefined ? undefined : options.timeoutSeconds * 1000;
  const result = await interruptible(async (signal) => {
    const watched = await watchTraining(api, id, view, { timeoutMs, signal });
    if (watched.outcome === 'timeout' || watched.outcome === 'interrupted') await stopWaiting(api, watched, view, options.timeoutSeconds);
    return watched;
  });
  const t = result.training;
  if (result.outcome === 'edited') {
    throw new CliError(`training ${id} was edited meanwhile (now generation ${t.status.generation}); stopped waiting for the generation this command submitted`);
  }
  if (t.status.state !== 'succeeded') {
    const exit = t.status.exitCode === undefined || t.status.exitCode === null ? '' : ` (exit code ${t.status.exitCode})`;
    const why = [t.status.reason, t.status.message].filter(Boolean).join(': ');
    throw new CliError(`training ${id} ${t.status.state} after ${formatElapsed(result.elapsedMs)}${why ? `: ${why}` : ''}${exit}`);
  }
  const extra = options.afterSuccess ? await options.afterSuccess(t) : [];
  await printSummary(api, t, result.elapsedMs, view, extra);
  return t;
}

/** After a timeout or Ctrl-C: a server keeps the training running; embedded, it is cancelled. */
async function stopWaiting(api: TrainyardApi, result: WatchResult, view: ProgressView, timeoutSeconds: number | undefined): Promise<never> {
  const { id } = result.training;
  const why = result.outcome === 'timeout' ? `stopped waiting after --timeout ${timeoutSeconds}s` : 'interrupted';
  const code = result.outcome === 'timeout' ? EXIT_TIMEOUT : EXIT_INTERRUPTED;
  if (api.trainingsOutliveCommand) {
    throw new CliError(`${why}: training ${id} is still ${result.training.status.state} on the server; follow it with \`trainyard train logs ${id} --follow\``, code);
  }
  view.line(`${why}: cancelling training ${id}, which runs only while this command does (Ctrl-C again to quit at once)`);
  await api.cancelTraining(id);
  const settled = await settle(api, id);
  throw new CliError(`${why}: training ${id} ${settled ? settled.status.state : 'is being cancelled'}`, code);
}

async function settle(api: TrainyardApi, id: string): Promise<ModelTraining | undefined> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const t = await api.getTraining(id);
    if (FINISHED_STATES.includes(t.status.state)) return t;
    await sleep(200);
  }
  return undefined;
}

async function printSummary(api: TrainyardApi, t: ModelTraining, elapsedMs: number, view: ProgressView, extra: [string, string][]): Promise<void> {
  const rows: [string, string][] = [];
  const runId = t.status.runId;
  if (runId) {
    const run = await api.runSummary(runId);
    const where = api.mode === 'embedded' ? '   (browse it with `trainyard server`)' : '';
    // The web UI's own route for a run (it serves pages by path, not by MLflow's #/ routes).
    rows.push(['run', `${runId}   (experiment ${run.experimentId})`], ['tracking', `${api.uiUrl}/runs/${runId}${where}`]);
    const metrics = Object.entries(run.metrics).sort(([a], [b]) => a.localeCompare(b));
    if (metrics.length > 0) rows.push(['metrics', metrics.map(([k, v]) => `${k}=${typeof v === 'number' ? round(v) : v}`).join('  ')]);
  }
  for (const a of t.status.artifacts) rows.push(['archive', `${a.artifactName}   (run artifact results/${a.artifactName})`]);
  if (t.status.modelVersion) rows.push(['model', `${t.spec.model.name} version ${t.status.modelVersion}`]);
  rows.push(...extra);
  view.line(view.paint('1', `Training ${t.id} succeeded in ${formatElapsed(elapsedMs)}`));
  const width = Math.max(...rows.map(([label]) => label.length));
  for (const [label, value] of rows) view.line(`  ${label.padEnd(width)}  ${value}`);
}

function round(v: number): string {
  return Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(6)));
}
