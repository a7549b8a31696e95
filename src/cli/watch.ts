/**
 * Waiting for a training: its log streamed as it is written, a line per state change (from the
 * training's recorded events, so a short-lived state is not missed between two looks), until it
 * finishes, the timeout runs out, or the user interrupts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { FINISHED_STATES, type TrainingState } from '../trainings/resource.js';
import type { ModelTraining, TrainyardApi } from './api.js';
import { formatElapsed } from './output.js';
import type { ProgressView } from './progress.js';

export interface WatchOptions {
  /** Stop waiting after this long (the training is not touched). */
  timeoutMs?: number | undefined;
  /** Aborted on Ctrl-C. */
  signal?: AbortSignal;
  pollMs?: number;
}

/** `edited`: someone submitted a new generation meanwhile, so the watched one will never finish. */
export type WatchOutcome = 'finished' | 'timeout' | 'interrupted' | 'edited';

export interface WatchResult {
  outcome: WatchOutcome;
  training: ModelTraining;
  /** Since the watched generation was submitted. */
  elapsedMs: number;
}

/** How long the log may take to catch up once the training has finished. */
const LOG_DRAIN_MS = 5000;

export async function watchTraining(api: TrainyardApi, id: string, view: ProgressView, options: WatchOptions = {}): Promise<WatchResult> {
  const pollMs = options.pollMs ?? 200;
  const first = await api.getTraining(id);
  const generation = first.status.generation;
  const began = Date.now();
  const deadline = options.timeoutMs === undefined ? undefined : began + options.timeoutMs;
  let submittedAt = first.status.updatedAt;
  let state: TrainingState = first.status.state;
  const elapsed = () => Date.now() - submittedAt;

  const stopLog = new AbortController();
  const logDone = followLog(api, id, view, stopLog.signal);
  view.startSpinner(() => `${id} ${state} ${formatElapsed(elapsed())}`);
  let printed = 0;
  try {
    for (;;) {
      const events = (await api.trainingEvents(id)).filter((e) => e.generation === generation);
      if (printed === 0 && events[0]) submittedAt = events[0].at;
      for (const e of events.slice(printed)) {
        printed++;
        state = e.state as TrainingState;
        if (FINISHED_STATES.includes(state)) {
          await Promise.race([logDone, sleep(LOG_DRAIN_MS, undefined, { ref: false })]);
          view.stopSpinner();
          const training = await api.getTraining(id);
          view.state(id, state, e.at - submittedAt, e.message ?? undefined);
          return { outcome: 'finished', training, elapsedMs: e.at - submittedAt };
        }
        view.state(id, state, e.at - submittedAt, e.message ?? undefined);
      }
      const current = await api.getTraining(id);
      if (current.status.generation !== generation) {
        return { outcome: 'edited', training: current, elapsedMs: elapsed() };
      }
      if (options.signal?.aborted) return { outcome: 'interrupted', training: current, elapsedMs: elapsed() };
      const left = deadline === undefined ? pollMs : deadline - Date.now();
      if (left <= 0) return { outcome: 'timeout', training: current, elapsedMs: elapsed() };
      await sleep(Math.min(pollMs, left), undefined, { signal: options.signal }).catch(() => undefined);
    }
  } finally {
    view.stopSpinner();
    stopLog.abort();
    await logDone;
  }
}

async function followLog(api: TrainyardApi, id: string, view: ProgressView, signal: AbortSignal): Promise<void> {
  try {
    for await (const chunk of api.trainingLogs(id, { follow: true, signal })) view.log(chunk);
  } catch (err) {
    if (!signal.aborted) view.line(`(the log of ${id} stopped streaming: ${(err as Error).message})`);
  } finally {
    view.endLog();
  }
}
