import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../../test/support/backends.js';
import { openStore, type Store } from '../store/open.js';
import { createTracking, type Tracking } from '../tracking/index.js';
import { metricHistory } from '../tracking/metrics.js';
import type { BatchInput } from '../tracking/runs.js';
import { LIMITS } from '../tracking/validation.js';
import { DirectiveBatcher, DirectiveRecorder } from './log-directives-batch.js';

const metric = (i: number) => ({ kind: 'metric' as const, key: 'loss', value: i, step: i });
const sizes = (batches: BatchInput[]) => batches.map((b) => [b.metrics?.length ?? 0, b.params?.length ?? 0, b.tags?.length ?? 0]);

describe('DirectiveBatcher', () => {
  it('seals a batch at 1000 metrics and keeps the rest filling', () => {
    const b = new DirectiveBatcher({ now: () => 42 });
    for (let i = 0; i < 2500; i++) b.add(metric(i));
    expect(b.pending).toBe(2500);
    expect(sizes(b.takeFull())).toEqual([
      [1000, 0, 0],
      [1000, 0, 0],
    ]);
    const rest = b.takeAll();
    expect(sizes(rest)).toEqual([[500, 0, 0]]);
    expect(rest[0]!.metrics![0]).toEqual({ key: 'loss', value: 2000, step: 2000, timestamp: 42 });
    expect(b.pending).toBe(0);
    expect(b.takeAll()).toEqual([]);
  });

  it('keeps params and tags within 100 each and all entities within 1000', () => {
    const b = new DirectiveBatcher();
    for (let i = 0; i < 950; i++) b.add(metric(i));
    for (let i = 0; i < 150; i++) b.add({ kind: 'tag', key: `t${i}`, value: 'v' });
    for (let i = 0; i < 30; i++) b.add({ kind: 'param', key: `p${i}`, value: 'v' });
    const batches = b.takeAll();
    for (const batch of batches) {
      const [m = 0, p = 0, t = 0] = sizes([batch])[0]!;
      expect(m).toBeLessThanOrEqual(LIMITS.metricsPerBatch);
      expect(p).toBeLessThanOrEqual(LIMITS.paramsTagsPerBatch);
      expect(t).toBeLessThanOrEqual(LIMITS.paramsTagsPerBatch);
      expect(m + p + t).toBeLessThanOrEqual(LIMITS.entitiesPerBatch);
    }
    expect(sizes(batches)).toEqual([
      [950, 0, 50],
      [0, 30, 100],
    ]);
  });

  it('sends a tag set twice once, with its last value', () => {
    const b = new DirectiveBatcher();
    b.add({ kind: 'tag', key: 'stage', value: 'one' });
    b.add({ kind: 'tag', key: 'stage', value: 'two' });
    expect(b.takeAll()).toEqual([{ tags: [{ key: 'stage', value: 'two' }] }]);
  });

  it('drops repeated params and refuses changed ones, including hyper-parameters the run already has', () => {
    const b = new DirectiveBatcher({ knownParams: { alpha: '0.5' } });
    expect(b.add({ kind: 'param', key: 'alpha', value: '0.5' })).toBeUndefined();
    expect(b.add({ kind: 'param', key: 'alpha', value: '0.7' })).toBe(
      'Ignored ::param alpha=0.7: the run already has alpha=0.5, and params cannot change',
    );
    expect(b.add({ kind: 'param', key: 'layers', value: '3' })).toBeUndefined();
    expect(b.add({ kind: 'param', key: 'layers', value: '3' })).toBeUndefined();
    expect(b.add({ kind: 'param', key: 'layers', value: '4' })).toMatch(/already has layers=3/);
    expect(b.takeAll()).toEqual([{ params: [{ key: 'layers', value: '3' }] }]);
  });
});

describe.each(BACKENDS)('DirectiveRecorder into a real run on %s', (backend) => {
  let database: TestDatabase;
  let store: Store;
  let tracking: Tracking;

  beforeAll(async () => {
    database = await createTestDatabase(backend);
    store = await openStore(database.uri);
    tracking = await createTracking(store);
  });
  afterAll(async () => {
    await store?.close();
    await database?.drop();
  });

  it('records thousands of printed metrics in a few writes, and params and tags, warning about bad lines', async () => {
    const run = await tracking.runs.create({ runName: 'directives' });
    const runId = run.info.run_id;
    await tracking.runs.logBatch(runId, { params: [{ key: 'alpha', value: '0.5' }] });
    const warnings: string[] = [];
    let writes = 0;
    const recorder = new DirectiveRecorder({
      knownParams: { alpha: '0.5' },
      now: () => 1_700_000_000_000,
      warn: (m) => warnings.push(m),
      write: async (batch) => {
        writes++;
        await tracking.runs.logBatch(runId, batch);
      },
    });
    const lines = ['starting', '::param name=layers value=3', '::param name=alpha value=0.9', '::tag name=stage value="two words"\r'];
    for (let i = 0; i < 2500; i++) lines.push(`::metric name=rmse value=${1 / (i + 1)} step=${i}`);
    lines.push('::metric name=rmse value=oops', '::metric name=r2 value=nan step=1', 'done');
    for (const line of lines) await recorder.line(line);
    await recorder.flush();

    expect(writes).toBe(3);
    expect(recorder.counts).toEqual({ directives: 2503, warnings: 2, batches: 3 });
    expect(warnings).toEqual([
      'Ignored ::param alpha=0.9: the run already has alpha=0.5, and params cannot change',
      "Ignored a malformed ::metric line: value 'oops' of metric 'rmse' is not a number",
    ]);
    const stored = await tracking.runs.get(runId);
    expect(stored.data.params).toEqual(expect.arrayContaining([{ key: 'layers', value: '3' }, { key: 'alpha', value: '0.5' }]));
    expect(stored.data.tags).toEqual(expect.arrayContaining([{ key: 'stage', value: 'two words' }]));
    const row = await tracking.runs.row(runId);
    const history = await metricHistory(store.db, row.run_uuid, 'rmse');
    expect(history).toHaveLength(2500);
    expect(Number.isNaN((await metricHistory(store.db, row.run_uuid, 'r2'))[0]!.value)).toBe(true);
  });

  it('turns a refused write into a warning and carries on', async () => {
    const run = await tracking.runs.create({ runName: 'deleted' });
    await tracking.runs.delete(run.info.run_id);
    const warnings: string[] = [];
    const recorder = new DirectiveRecorder({ warn: (m) => warnings.push(m), write: (batch) => tracking.runs.logBatch(run.info.run_id, batch) });
    await recorder.line('::metric name=a value=1');
    await recorder.line('::tag name=t value=x');
    await recorder.flush();
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatch(/^Could not record 1 metric value, 1 tag from ::metric\/::param\/::tag lines: .*active/);
    expect(recorder.counts.batches).toBe(0);
  });
});
