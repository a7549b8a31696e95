import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

const T0 = 1_700_000_000_000;

interface RunSpec {
  name: string;
  user: string;
  start: number;
  params?: Record<string, string>;
  metrics?: Record<string, number | 'NaN'>;
  tags?: Record<string, string>;
  status?: string;
  end?: number;
}

const kv = (o: Record<string, string> = {}) => Object.entries(o).map(([key, value]) => ({ key, value }));
const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');

describe.each(BACKENDS)('search-runs on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  let expA: string;
  let expB: string;
  /** run name → run id, and back. */
  const ids: Record<string, string> = {};
  const names: Record<string, string> = {};

  async function createRun(experimentId: string, spec: RunSpec): Promise<string> {
    const created = await http.post(ml('/runs/create'), { experiment_id: experimentId, run_name: spec.name, user_id: spec.user, start_time: spec.start });
    expect(created.status).toBe(200);
    const id: string = created.body.run.info.run_id;
    const metrics = Object.entries(spec.metrics ?? {}).map(([key, value]) => ({ key, value, timestamp: T0, step: 0 }));
    const logged = await http.post(ml('/runs/log-batch'), { run_id: id, metrics, params: kv(spec.params), tags: kv(spec.tags) });
    expect(logged.status).toBe(200);
    if (spec.status) expect((await http.post(ml('/runs/update'), { run_id: id, status: spec.status, end_time: spec.end })).status).toBe(200);
    ids[spec.name] = id;
    names[id] = spec.name;
    return id;
  }

  async function logDataset(runId: string, name: string, digest: string, context: string): Promise<void> {
    const r = await http.post(ml('/runs/log-inputs'), {
      run_id: runId,
      datasets: [{ tags: [{ key: 'mlflow.data.context', value: context }], dataset: { name, digest, source_type: 'local', source: '{}' } }],
    });
    expect(r.status).toBe(200);
  }

  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
    expA = (await http.post(ml('/experiments/create'), { name: 'search-a' })).body.experiment_id;
    expB = (await http.post(ml('/experiments/create'), { name: 'search-b' })).body.experiment_id;
    await createRun(expA, {
      name: 'alpha-run',
      user: 'ann',
      start: T0 + 1,
      params: { alpha: '0.1', opt: 'Adam' },
      metrics: { rmse: 0.3, acc: 0.9 },
      tags: { team: 'vision', 'user-name': 'Ann' },
      status: 'FINISHED',
      end: T0 + 100,
    });
    await createRun(expA, { name: 'beta-run', user: 'bob', start: T0 + 2, params: { alpha: '0.5', opt: 'adam' }, metrics: { rmse: 'NaN', acc: 0.6 }, tags: { team: 'nlp' } });
    await createRun(expA, { name: 'Gamma', user: 'bob', start: T0 + 3, params: { alpha: '0.1' }, metrics: { rmse: 0.7, acc: 0.5 }, status: 'FAILED', end: T0 + 50 });
    await createRun(expA, { name: 'delta', user: 'cy', start: T0 + 3, metrics: { acc: 0.1 }, tags: { team: 'vi_ion' } });
    await createRun(expA, { name: 'eps', user: 'ann', start: T0, params: { alpha: '1' }, metrics: { rmse: 0.3, acc: -1 }, tags: { team: 'Vision' } });
    const gone = await createRun(expA, { name: 'gone', user: 'ann', start: T0 + 5, metrics: { rmse: 0.1 } });
    expect((await http.post(ml('/runs/delete'), { run_id: gone })).status).toBe(200);
    await createRun(expB, { name: 'other', user: 'ann', start: T0 + 10, metrics: { rmse: 0.2 } });
    await logDataset(ids['alpha-run']!, 'iris', 'd1', 'training');
    await logDataset(ids['beta-run']!, 'iris', 'd1', 'eval');
    await logDataset(ids['beta-run']!, 'wine', 'd2', 'training');
  });
  afterAll(async () => server?.close());

  async function search(body: Record<string, unknown>) {
    const r = await http.post(ml('/runs/search'), { experiment_ids: [expA], ...body });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { runs?: { info: { run_id: string } }[]; next_page_token?: string };
  }
  /** Names of the runs found, in the order returned. */
  async function found(filter?: string, orderBy?: string[], extra: Record<string, unknown> = {}): Promise<string[]> {
    const body = await search({ filter, order_by: orderBy, ...extra });
    return (body.runs ?? []).map((r) => names[r.info.run_id]!);
  }
  const sorted = async (filter: string) => (await found(filter)).sort();

  it('filters on latest metric values with every numeric comparator; NaN only satisfies !=', async () => {
    expect(await sorted('metrics.rmse = 0.3')).toEqual(['alpha-run', 'eps']);
    expect(await sorted('metrics.rmse != 0.3')).toEqual(['Gamma', 'beta-run']);
    expect(await sorted('metrics.rmse < 0.5')).toEqual(['alpha-run', 'eps']);
    expect(await sorted('metrics.rmse <= 0.7')).toEqual(['Gamma', 'alpha-run', 'eps']);
    expect(await sorted('metrics.rmse > 0.3')).toEqual(['Gamma']);
    expect(await sorted('metrics.rmse >= 0.3')).toEqual(['Gamma', 'alpha-run', 'eps']);
    expect(await sorted('metrics.acc < 0')).toEqual(['eps']);
    expect(await sorted('metric.acc > 0.55')).toEqual(['alpha-run', 'beta-run']);
    expect(await sorted('metrics.`acc` >= 1e-1')).toEqual(['Gamma', 'alpha-run', 'beta-run', 'delta']);
  });

  it('filters params with = != LIKE ILIKE IS NULL IS NOT NULL; a run without the key never matches a comparison', async () => {
    expect(await sorted(`params.alpha = '0.1'`)).toEqual(['Gamma', 'alpha-run']);
    expect(await sorted(`params.alpha != '0.1'`)).toEqual(['beta-run', 'eps']);
    expect(await sorted(`params.opt LIKE 'A%'`)).toEqual(['alpha-run']);
    expect(await sorted(`params.opt ILIKE 'a%'`)).toEqual(['alpha-run', 'beta-run']);
    expect(await sorted(`parameter.alpha LIKE '0._'`)).toEqual(['Gamma', 'alpha-run', 'beta-run']);
    expect(await sorted(`parameters.opt IS NULL`)).toEqual(['Gamma', 'delta', 'eps']);
    expect(await sorted(`param.opt is not null`)).toEqual(['alpha-run', 'beta-run']);
  });

  it('filters tags, with case-sensitive LIKE, case-insensitive ILIKE and literal GLOB characters', async () => {
    expect(await sorted(`tags.team = 'vision'`)).toEqual(['alpha-run']);
    expect(await sorted(`tags.team LIKE 'vi_ion'`)).toEqual(['alpha-run', 'delta']);
    expect(await sorted(`tags.team LIKE '%ion'`)).toEqual(['alpha-run', 'delta', 'eps']);
    expect(await sorted(`tags.team ILIKE 'VI%'`)).toEqual(['alpha-run', 'delta', 'eps']);
    expect(await sorted(`tags.team LIKE 'v*'`)).toEqual([]);
    expect(await sorted(`tags.team LIKE '[v]ision'`)).toEqual([]);
    expect(await sorted(`tag.team != 'nlp'`)).toEqual(['alpha-run', 'delta', 'eps']);
    expect(await sorted(`tags."user-name" = 'Ann'`)).toEqual(['alpha-run']);
    expect(await sorted('tags.`user-name` = "Ann"')).toEqual(['alpha-run']);
    expect(await sorted(`tags.team IS NULL`)).toEqual(['Gamma']);
    expect(await sorted(`tags.mlflow.runName = 'Gamma'`)).toEqual(['Gamma']);
  });

  it('filters run attributes under every prefix and alias', async () => {
    const a = ids['alpha-run']!;
    const g = ids['Gamma']!;
    expect(await sorted(`attributes.run_id = '${a}'`)).toEqual(['alpha-run']);
    expect(await sorted(`run_id IN ('${a}', '${g}')`)).toEqual(['Gamma', 'alpha-run']);
    expect(await sorted(`attr.run_id NOT IN ('${a}')`)).toEqual(['Gamma', 'beta-run', 'delta', 'eps']);
    expect(await sorted(`run_name = 'Gamma'`)).toEqual(['Gamma']);
    expect(await sorted(`attributes.run_name LIKE '%-run'`)).toEqual(['alpha-run', 'beta-run']);
    expect(await sorted(`"run name" ILIKE 'gamma'`)).toEqual(['Gamma']);
    expect(await sorted("`Run Name` != 'eps'")).toEqual(['Gamma', 'alpha-run', 'beta-run', 'delta']);
    expect(await sorted(`status = 'FINISHED'`)).toEqual(['alpha-run']);
    expect(await sorted(`attribute.status != 'RUNNING'`)).toEqual(['Gamma', 'alpha-run']);
    expect(await sorted(`user_id = 'bob'`)).toEqual(['Gamma', 'beta-run']);
    expect(await sorted(`run.artifact_uri LIKE '%${a}%'`)).toEqual(['alpha-run']);
    expect(await sorted(`start_time >= ${T0 + 2}`)).toEqual(['Gamma', 'beta-run', 'delta']);
    expect(await sorted(`created < ${T0 + 1}`)).toEqual(['eps']);
    expect(await sorted(`Created = ${T0}`)).toEqual(['eps']);
    expect(await sorted(`end_time > ${T0 + 60}`)).toEqual(['alpha-run']);
    expect(await sorted(`end_time <= ${T0 + 100}`)).toEqual(['Gamma', 'alpha-run']);
  });

  it('filters on dataset inputs: name, digest and context, with lists and patterns', async () => {
    expect(await sorted(`datasets.name = 'iris'`)).toEqual(['alpha-run', 'beta-run']);
    expect(await sorted(`dataset.digest = 'd2'`)).toEqual(['beta-run']);
    expect(await sorted(`datasets.context = 'training'`)).toEqual(['alpha-run', 'beta-run']);
    expect(await sorted(`datasets.context = 'eval'`)).toEqual(['beta-run']);
    expect(await sorted(`datasets.name IN ('wine', 'nope')`)).toEqual(['beta-run']);
    expect(await sorted(`datasets.name NOT IN ('iris')`)).toEqual(['beta-run']);
    expect(await sorted(`datasets.name LIKE 'IR%'`)).toEqual([]);
    expect(await sorted(`datasets.name ILIKE 'IR%'`)).toEqual(['alpha-run', 'beta-run']);
  });

  it('ANDs clauses together, keywords in any case', async () => {
    expect(await sorted(`metrics.rmse < 0.5 and params.alpha = '0.1'`)).toEqual(['alpha-run']);
    expect(await sorted(`params.alpha = '0.1' AND tags.team = 'vision' And status = 'FINISHED' and datasets.name = 'iris'`)).toEqual(['alpha-run']);
    expect(await sorted(`params.alpha = '0.1' and params.alpha = '0.5'`)).toEqual([]);
  });

  it('orders by start_time DESC then run id by default', async () => {
    const tied = [ids['Gamma']!, ids['delta']!].sort().map((id) => names[id]);
    expect(await found()).toEqual([...tied, 'beta-run', 'alpha-run', 'eps']);
    expect(await found(undefined, ['created DESC'])).toEqual(await found());
    expect(await found(undefined, ['start_time ASC'])).toEqual(['eps', 'alpha-run', 'beta-run', ...tied]);
  });

  it('orders by a metric with real values first, then NaN, then runs without it, in both directions', async () => {
    expect(await found(undefined, ['metrics.rmse ASC'])).toEqual(['alpha-run', 'eps', 'Gamma', 'beta-run', 'delta']);
    expect(await found(undefined, ['metrics.rmse DESC'])).toEqual(['Gamma', 'alpha-run', 'eps', 'beta-run', 'delta']);
    expect(await found('metrics.rmse > 0', ['metrics.rmse desc'])).toEqual(['Gamma', 'alpha-run', 'eps']);
    expect(await found('metrics.rmse != 0.7', ['metrics.rmse'])).toEqual(['alpha-run', 'eps', 'beta-run']);
    expect(await found(`params.alpha = '0.1'`, ['metrics.acc'])).toEqual(['Gamma', 'alpha-run']);
  });

  it('orders by params, tags and attributes with missing values last and strings by code point', async () => {
    expect(await found(undefined, ['params.alpha ASC'])).toEqual(['Gamma', 'alpha-run', 'beta-run', 'eps', 'delta']);
    expect(await found(undefined, ['params.alpha DESC'])).toEqual(['eps', 'beta-run', 'Gamma', 'alpha-run', 'delta']);
    expect(await found(undefined, ['tags.team'])).toEqual(['eps', 'beta-run', 'delta', 'alpha-run', 'Gamma']);
    expect(await found(undefined, ['attributes.end_time ASC'])).toEqual(['Gamma', 'alpha-run', 'delta', 'beta-run', 'eps']);
    expect(await found(undefined, ['end_time DESC'])).toEqual(['alpha-run', 'Gamma', 'delta', 'beta-run', 'eps']);
    expect(await found(undefined, ['run_name'])).toEqual(['Gamma', 'alpha-run', 'beta-run', 'delta', 'eps']);
    expect(await found(undefined, ['params.alpha', 'metrics.acc DESC'])).toEqual(['alpha-run', 'Gamma', 'beta-run', 'eps', 'delta']);
  });

  it('pages through results with offset tokens, also across the NaN and missing parts of a metric order', async () => {
    const all = await found();
    const pages: string[][] = [];
    let pageToken: string | undefined;
    do {
      const body = await search({ max_results: 2, page_token: pageToken });
      pages.push((body.runs ?? []).map((r) => names[r.info.run_id]!));
      pageToken = body.next_page_token;
    } while (pageToken);
    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    expect(pages.flat()).toEqual(all);

    const first = await search({ order_by: ['metrics.rmse'], max_results: 2 });
    expect(first.next_page_token).toBe(token({ offset: 2 }));
    const second = await search({ order_by: ['metrics.rmse'], max_results: 2, page_token: first.next_page_token });
    const third = await search({ order_by: ['metrics.rmse'], max_results: 2, page_token: second.next_page_token });
    expect([first, second, third].map((b) => (b.runs ?? []).map((r) => names[r.info.run_id]))).toEqual([
      ['alpha-run', 'eps'],
      ['Gamma', 'beta-run'],
      ['delta'],
    ]);
    expect(third.next_page_token).toBeUndefined();
    // A full page with nothing after it ends the listing: no empty trailing page.
    expect((await search({ max_results: 5 })).next_page_token).toBeUndefined();
    expect(await search({ page_token: token({ offset: 50 }) })).toEqual({});
  });

  it('shows deleted runs only as run_view_type asks', async () => {
    expect(await sorted(`metrics.rmse < 0.2`)).toEqual([]);
    expect(await found(undefined, undefined, { run_view_type: 'DELETED_ONLY' })).toEqual(['gone']);
    expect(await found(undefined, undefined, { run_view_type: 2 })).toEqual(['gone']);
    expect(await found(undefined, ['metrics.rmse'], { run_view_type: 'ALL' })).toEqual(['gone', 'alpha-run', 'eps', 'Gamma', 'beta-run', 'delta']);
    expect((await found(undefined, undefined, { run_view_type: 'ACTIVE_ONLY' })).sort()).toEqual(['Gamma', 'alpha-run', 'beta-run', 'delta', 'eps']);
  });

  it('searches the given experiments only; none given finds nothing', async () => {
    expect(await found(undefined, undefined, { experiment_ids: [expA, expB] })).toContain('other');
    expect(await found('metrics.rmse < 0.25', undefined, { experiment_ids: [expA, expB] })).toEqual(['other']);
    expect(await found(undefined, undefined, { experiment_ids: [expB] })).toEqual(['other']);
    expect(await found(undefined, undefined, { experiment_ids: ['987654'] })).toEqual([]);
    const none = await http.post(ml('/runs/search'), { experiment_ids: [] });
    expect(none.status).toBe(200);
    expect(none.body).toEqual({});
  });

  it('returns full run entities, the same as get-run, NaN metrics included', async () => {
    const body = await search({ filter: `run_name = 'beta-run'` });
    const got = await http.get(ml('/runs/get'), { run_id: ids['beta-run']! });
    expect(body.runs).toEqual([got.body.run]);
    const run = got.body.run;
    expect(run.data.metrics).toContainEqual({ key: 'rmse', value: 'NaN', timestamp: T0, step: 0 });
    expect(run.data.params).toContainEqual({ key: 'opt', value: 'adam' });
    expect(run.inputs.dataset_inputs.map((d: { dataset: { name: string } }) => d.dataset.name).sort()).toEqual(['iris', 'wine']);
    expect(body.next_page_token).toBeUndefined();
  });

  it('refuses bad input with 400 INVALID_PARAMETER_VALUE naming the problem, and keeps serving', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ filter: 'metrics.rmse <' }, "missing a value after '<'"],
      [{ filter: 'metrics.rmse < 1 OR metrics.acc > 0' }, "'OR'"],
      [{ filter: `foo.bar = 'x'` }, "invalid entity type 'foo'"],
      [{ filter: `lifecycle_stage = 'deleted'` }, "invalid attribute key 'lifecycle_stage'"],
      [{ filter: `params.alpha > '1'` }, "invalid comparator '>' for param 'alpha'"],
      [{ filter: `metrics.rmse LIKE '1'` }, "invalid comparator 'LIKE' for metric 'rmse'"],
      [{ filter: `status IN ('FINISHED')` }, "invalid comparator 'IN' for attribute 'status'"],
      [{ filter: 'params.alpha = 0.1' }, 'expected a quoted string value'],
      [{ filter: `metrics.rmse < 'low'` }, 'expected a numeric value'],
      [{ filter: `params.alpha = 'x` }, 'no closing'],
      [{ order_by: ['metrics.rmse sideways'] }, "Invalid order_by clause 'metrics.rmse sideways'. Could not be parsed"],
      [{ order_by: ['nope'] }, "Invalid ordering key in order_by clause 'nope'"],
      [{ order_by: ['datasets.name'] }, 'Invalid ordering key'],
      [{ order_by: ['metrics.rmse', 'metrics.rmse DESC'] }, 'duplicate fields'],
      [{ order_by: ['start_time', 'created'] }, 'duplicate fields'],
      [{ page_token: 'not base64 at all!' }, 'Invalid page token'],
      [{ page_token: token({ offset: -3 }) }, 'Invalid page token'],
      [{ max_results: 50_001 }, "'max_results'"],
      [{ max_results: 0 }, "'max_results'"],
      [{ run_view_type: 'SOMETIMES' }, "'run_view_type'"],
      [{ experiment_ids: ['abc'] }, "'abc'"],
    ];
    for (const [body, part] of cases) {
      const r = await http.post(ml('/runs/search'), { experiment_ids: [expA], ...body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(r.body.message, JSON.stringify(body)).toContain(part);
    }
    expect((await http.post(ml('/runs/search'), { experiment_ids: [expA], max_results: 50_000 })).status).toBe(200);
    expect(await sorted(`params.alpha = '0.1'`)).toEqual(['Gamma', 'alpha-run']);
  });
});
