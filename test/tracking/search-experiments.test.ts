import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { Http, ml } from '../support/http.js';
import { startTestServer, type TestServer } from '../support/server.js';

const token = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64');
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Exp {
  experiment_id: string;
  name: string;
  creation_time: number;
  last_update_time: number;
}

describe.each(BACKENDS)('search-experiments on %s', (backend) => {
  let server: TestServer;
  let http: Http;
  const byName: Record<string, Exp> = {};
  // Only this file's experiments (the Default one exists too).
  const OURS = `name LIKE 'exp-%'`;

  beforeAll(async () => {
    server = await startTestServer(backend);
    http = new Http(server.url);
    const specs: [string, { key: string; value: string }[]][] = [
      ['exp-alpha', [{ key: 'team', value: 'vision' }]],
      ['exp-Beta', [{ key: 'team', value: 'nlp' }]],
      ['exp-gamma', []],
      ['exp-delta', [{ key: 'team', value: 'gone' }]],
    ];
    for (const [name, tags] of specs) {
      const r = await http.post(ml('/experiments/create'), { name, tags });
      expect(r.status).toBe(200);
      // Distinct creation times, so the default newest-first order is observable.
      await pause(5);
    }
    const deleted = await http.get(ml('/experiments/get-by-name'), { experiment_name: 'exp-delta' });
    expect((await http.post(ml('/experiments/delete'), { experiment_id: deleted.body.experiment.experiment_id })).status).toBe(200);
    for (const [name] of specs) byName[name] = (await http.get(ml('/experiments/get-by-name'), { experiment_name: name })).body.experiment;
  });
  afterAll(async () => server?.close());

  async function search(body: Record<string, unknown>) {
    const r = await http.post(ml('/experiments/search'), body);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body as { experiments?: Exp[]; next_page_token?: string };
  }
  async function found(filter: string, orderBy?: string[], extra: Record<string, unknown> = {}): Promise<string[]> {
    return ((await search({ filter, order_by: orderBy, ...extra })).experiments ?? []).map((e) => e.name);
  }
  const sorted = async (filter: string) => (await found(filter)).sort();

  it('filters on name with = != LIKE (case-sensitive) and ILIKE', async () => {
    expect(await found(`name = 'exp-alpha'`)).toEqual(['exp-alpha']);
    expect(await sorted(`${OURS} and name != 'exp-alpha'`)).toEqual(['exp-Beta', 'exp-gamma']);
    expect(await sorted(`name LIKE 'exp-b%'`)).toEqual([]);
    expect(await sorted(`attribute.name ILIKE 'EXP-B%'`)).toEqual(['exp-Beta']);
    expect(await sorted(`attributes.name LIKE '%a'`)).toEqual(['exp-Beta', 'exp-alpha', 'exp-gamma']);
  });

  it('filters on creation and last update times', async () => {
    const beta = byName['exp-Beta']!;
    expect(await sorted(`${OURS} and creation_time >= ${beta.creation_time}`)).toEqual(['exp-Beta', 'exp-gamma']);
    expect(await sorted(`${OURS} and creation_time < ${beta.creation_time}`)).toEqual(['exp-alpha']);
    expect(await sorted(`${OURS} and creation_time = ${beta.creation_time}`)).toEqual(['exp-Beta']);
    expect(await sorted(`${OURS} and last_update_time != ${beta.last_update_time}`)).toEqual(['exp-alpha', 'exp-gamma']);
    expect(await sorted(`${OURS} and last_update_time > 0 and last_update_time <= ${byName['exp-gamma']!.last_update_time}`)).toEqual([
      'exp-Beta',
      'exp-alpha',
      'exp-gamma',
    ]);
  });

  it('filters on tags, including IS NULL and IS NOT NULL', async () => {
    expect(await found(`tags.team = 'vision'`)).toEqual(['exp-alpha']);
    expect(await found(`tag.team ILIKE 'NLP'`)).toEqual(['exp-Beta']);
    expect(await found(`tags.team LIKE 'NLP'`)).toEqual([]);
    expect(await sorted(`tags.team != 'vision'`)).toEqual(['exp-Beta']);
    expect(await found(`${OURS} and tags.team IS NULL`)).toEqual(['exp-gamma']);
    expect(await sorted(`tags.team is not null`)).toEqual(['exp-Beta', 'exp-alpha']);
  });

  it('lists active experiments by default, deleted ones when view_type asks', async () => {
    expect(await found(OURS, undefined, { view_type: 'DELETED_ONLY' })).toEqual(['exp-delta']);
    expect(await sorted(`${OURS}`)).toEqual(['exp-Beta', 'exp-alpha', 'exp-gamma']);
    expect((await found(OURS, undefined, { view_type: 'ALL' })).sort()).toEqual(['exp-Beta', 'exp-alpha', 'exp-delta', 'exp-gamma']);
    expect(await found(`tags.team = 'gone'`, undefined, { view_type: 'ALL' })).toEqual(['exp-delta']);
    const all = await search({});
    expect(all.experiments!.map((e) => e.name)).toContain('Default');
  });

  it('orders newest first by default, and by any attribute on request', async () => {
    expect(await found(OURS)).toEqual(['exp-gamma', 'exp-Beta', 'exp-alpha']);
    expect(await found(OURS, ['name'])).toEqual(['exp-Beta', 'exp-alpha', 'exp-gamma']);
    expect(await found(OURS, ['name DESC'])).toEqual(['exp-gamma', 'exp-alpha', 'exp-Beta']);
    expect(await found(OURS, ['creation_time ASC'])).toEqual(['exp-alpha', 'exp-Beta', 'exp-gamma']);
    expect(await found(OURS, ['experiment_id DESC'])).toEqual(['exp-gamma', 'exp-Beta', 'exp-alpha']);
    expect(await found(OURS, ['attributes.last_update_time desc', 'name'])).toEqual(['exp-gamma', 'exp-Beta', 'exp-alpha']);
  });

  it('pages with offset tokens and no empty trailing page', async () => {
    const names: string[] = [];
    const tokens: (string | undefined)[] = [];
    let pageToken: string | undefined;
    do {
      const body = await search({ filter: OURS, max_results: 1, page_token: pageToken });
      names.push(...(body.experiments ?? []).map((e) => e.name));
      pageToken = body.next_page_token;
      tokens.push(pageToken);
    } while (pageToken);
    expect(names).toEqual(['exp-gamma', 'exp-Beta', 'exp-alpha']);
    expect(tokens).toEqual([token({ offset: 1 }), token({ offset: 2 }), undefined]);
    expect((await search({ filter: OURS, max_results: 3 })).next_page_token).toBeUndefined();
  });

  it('answers GET with query parameters the same as POST', async () => {
    const r = await http.get(ml('/experiments/search'), { filter: OURS, order_by: ['name DESC'], max_results: 2, view_type: 'ACTIVE_ONLY' });
    expect(r.status).toBe(200);
    expect(r.body.experiments.map((e: Exp) => e.name)).toEqual(['exp-gamma', 'exp-alpha']);
    expect(r.body.next_page_token).toBe(token({ offset: 2 }));
    const post = await search({ filter: OURS, order_by: ['name DESC'], max_results: 2 });
    expect(r.body).toEqual(post);
    expect(post.experiments![0]).toEqual((await http.get(ml('/experiments/get'), { experiment_id: byName['exp-gamma']!.experiment_id })).body.experiment);
  });

  it('refuses bad input with 400 INVALID_PARAMETER_VALUE naming the problem', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ filter: 'metrics.acc > 1' }, "invalid entity type 'metrics'"],
      [{ filter: `attr.name = 'x'` }, "invalid entity type 'attr'"],
      [{ filter: `name > 'x'` }, "invalid comparator '>' for attribute 'name'"],
      [{ filter: `creation_time = 'x'` }, 'expected a numeric value'],
      [{ filter: `name = x` }, 'expected a quoted string value'],
      [{ filter: `name = 'a' or name = 'b'` }, "'OR'"],
      [{ filter: `experiment_id = 1` }, "invalid attribute key 'experiment_id'"],
      [{ order_by: ['tags.team'] }, 'tag keys cannot be used in order_by'],
      [{ order_by: ['name', 'name DESC'] }, 'duplicate fields'],
      [{ order_by: ['name up'] }, 'Could not be parsed'],
      [{ max_results: 50_001 }, "'max_results'"],
      [{ page_token: '%%%' }, 'Invalid page token'],
      [{ view_type: 'MOSTLY' }, "'view_type'"],
    ];
    for (const [body, part] of cases) {
      const r = await http.post(ml('/experiments/search'), body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.body.error_code).toBe('INVALID_PARAMETER_VALUE');
      expect(r.body.message, JSON.stringify(body)).toContain(part);
    }
    expect(await found(`name = 'exp-alpha'`)).toEqual(['exp-alpha']);
  });
});
