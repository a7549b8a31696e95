/**
 * Request bodies and fixtures for the tracking figures: what a training loop sends, and the runs
 * a search walks through.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Fixture } from './fixtures.js';
import { inParallel, ml, type LoadClient } from './load-client.js';

export const T0 = 1_700_000_000_000;
const KEYS = ['loss', 'val_loss', 'accuracy', 'val_accuracy', 'lr', 'grad_norm', 'epoch_time', 'tokens_per_s', 'mem_gb', 'throughput'];

/**
 * A log-batch body of `points` metric points spread over `keys` keys (a training loop logging a
 * few metrics per step), steps starting at `firstStep`; written as text because building it is
 * client work that should not pose as server time.
 */
export function logBatchBody(runId: string, firstStep: number, points = 1000, keys = 10): string {
  const steps = points / keys;
  const parts: string[] = [];
  for (let s = 0; s < steps; s++) {
    const step = firstStep + s;
    for (let k = 0; k < keys; k++) {
      parts.push(`{"key":"${KEYS[k]}","value":${Math.sin(step + k) * 100},"timestamp":${T0 + step},"step":${step}}`);
    }
  }
  return `{"run_id":"${runId}","metrics":[${parts.join(',')}]}`;
}

export async function createExperiment(client: LoadClient, name: string): Promise<string> {
  const r = await client.call<{ experiment_id: string }>('POST', ml('/experiments/create'), { name });
  return r.experiment_id;
}

export async function createRun(client: LoadClient, experimentId: string): Promise<string> {
  const r = await client.call<{ run: { info: { run_id: string } } }>('POST', ml('/runs/create'), { experiment_id: experimentId, start_time: T0 });
  return r.run.info.run_id;
}

const OPTIMIZERS = ['adam', 'sgd', 'rmsprop'];

/** The params and metrics of the i-th run of a search fixture: deterministic, spread over the value range. */
export function searchRunData(i: number) {
  const loss = ((i * 7919) % 10007) / 10007;
  const accuracy = ((i * 104729) % 10009) / 10009;
  return {
    params: [
      { key: 'optimizer', value: OPTIMIZERS[i % OPTIMIZERS.length]! },
      { key: 'lr', value: String(10 ** -(1 + (i % 4))) },
    ],
    metrics: [
      { key: 'loss', value: loss, timestamp: T0 + i, step: 0 },
      { key: 'accuracy', value: accuracy, timestamp: T0 + i, step: 0 },
    ],
    tags: [{ key: 'team', value: i % 2 ? 'vision' : 'nlp' }],
  };
}

/** The query both search figures time: a param and a metric filter, ordered by a metric, one page of 100. */
export function searchQuery(experimentId: string) {
  return {
    experiment_ids: [experimentId],
    filter: "params.optimizer = 'adam' and metrics.accuracy > 0.5",
    order_by: ['metrics.loss ASC'],
    max_results: 100,
  };
}

/** Search fixture over HTTP, the way clients create runs. */
export async function seedSearchRunsOverHttp(client: LoadClient, experimentId: string, count: number): Promise<void> {
  await inParallel(count, 8, async (i) => {
    const runId = await createRun(client, experimentId);
    await client.call('POST', ml('/runs/log-batch'), { run_id: runId, ...searchRunData(i) });
  });
}

/**
 * A fixture of `count` runs in experiment `name`, made through the services (create-run and
 * log-batch, as clients do); cached between bench runs (fixtures.ts), keyed by this file's text.
 */
export function searchFixture(name: string, count: number): Fixture {
  return {
    name: `${name.replaceAll('-', '_')}_${count}`,
    version: readFileSync(fileURLToPath(import.meta.url), 'utf8'),
    async seed(services) {
      const { experiments, runs } = services.tracking;
      const experimentId = await experiments.create(name);
      const concurrency = services.store.dialect === 'sqlite' ? 1 : 8;
      await inParallel(count, concurrency, async (i) => {
        const run = await runs.create({ experimentId, startTime: T0 + i });
        await runs.logBatch(run.info.run_id, searchRunData(i));
      });
    },
  };
}

export async function experimentIdByName(client: LoadClient, name: string): Promise<string> {
  const r = await client.call<{ experiment: { experiment_id: string } }>('GET', ml('/experiments/get-by-name'), { experiment_name: name });
  return r.experiment.experiment_id;
}
