import { describe, expect, it } from 'vitest';
import { TrainyardError } from '../../errors.js';
import { parseFilter } from './filter.js';
import { EXPERIMENT_SEARCH_PROFILE as EXPERIMENTS, RUN_SEARCH_PROFILE as RUNS } from './profiles.js';

function refusal(filter: string, profile = RUNS): TrainyardError {
  try {
    parseFilter(filter, profile);
  } catch (err) {
    expect(err).toBeInstanceOf(TrainyardError);
    expect((err as TrainyardError).code).toBe('INVALID_PARAMETER_VALUE');
    return err as TrainyardError;
  }
  throw new Error(`filter was accepted: ${filter}`);
}

describe('parseFilter', () => {
  it('gives no clauses for an absent or blank filter', () => {
    expect(parseFilter(undefined, RUNS)).toEqual([]);
    expect(parseFilter('   ', RUNS)).toEqual([]);
  });

  it('parses AND-ed clauses of every prefix into typed clauses', () => {
    const clauses = parseFilter(`metrics.rmse < 0.5 and params.alpha = '0.1' AND tags.team != "vision" And attributes.status = 'FINISHED'`, RUNS);
    expect(clauses).toEqual([
      { entity: 'metric', key: 'rmse', type: 'number', comparator: '<', value: 0.5, text: 'metrics.rmse < 0.5' },
      { entity: 'param', key: 'alpha', type: 'string', comparator: '=', value: '0.1', text: `params.alpha = '0.1'` },
      { entity: 'tag', key: 'team', type: 'string', comparator: '!=', value: 'vision', text: 'tags.team != "vision"' },
      { entity: 'attribute', key: 'status', type: 'string', comparator: '=', value: 'FINISHED', text: `attributes.status = 'FINISHED'` },
    ]);
  });

  it('accepts every prefix alias and a bare attribute key', () => {
    const entities = (f: string) => parseFilter(f, RUNS).map((c) => `${c.entity}:${c.key}`);
    expect(entities('metric.a > 1 and metrics.b > 1')).toEqual(['metric:a', 'metric:b']);
    expect(entities(`param.a = 'x' and params.b = 'x' and parameter.c = 'x' and parameters.d = 'x'`)).toEqual(['param:a', 'param:b', 'param:c', 'param:d']);
    expect(entities(`tag.a = 'x' and tags.b = 'x'`)).toEqual(['tag:a', 'tag:b']);
    expect(entities(`attribute.status = 'x' and attributes.status = 'x' and attr.status = 'x' and run.status = 'x' and status = 'x'`)).toEqual(
      Array(5).fill('attribute:status'),
    );
    expect(entities(`dataset.name = 'x' and datasets.digest = 'x' and datasets.context = 'x'`)).toEqual(['dataset:name', 'dataset:digest', 'dataset:context']);
  });

  it('reads backquoted and double-quoted keys, dotted keys and quoted prefixes', () => {
    const keys = (f: string) => parseFilter(f, RUNS).map((c) => c.key);
    expect(keys('metrics.`my metric` > 1')).toEqual(['my metric']);
    expect(keys(`tags."user-name" = 'x'`)).toEqual(['user-name']);
    expect(keys(`tags.mlflow.runName = 'x'`)).toEqual(['mlflow.runName']);
    expect(keys('`metrics`.rmse > 1')).toEqual(['rmse']);
    expect(keys('metrics.0_loss > 1 and metrics.v1.2 > 1 and metrics.val-loss > 1')).toEqual(['0_loss', 'v1.2', 'val-loss']);
    expect(keys(`params.and = 'x'`)).toEqual(['and']);
  });

  it('resolves attribute aliases to the canonical key', () => {
    const keys = (f: string) => parseFilter(f, RUNS).map((c) => c.key);
    expect(keys('created > 1 and Created > 1')).toEqual(['start_time', 'start_time']);
    expect(keys("`run name` = 'a' and \"Run Name\" = 'a' and attributes.`Run name` = 'a'")).toEqual(['run_name', 'run_name', 'run_name']);
  });

  it('reads numbers in every form and strings with escaped quotes', () => {
    const values = (f: string) => parseFilter(f, RUNS).map((c) => c.value);
    expect(values('metrics.a > -1 and metrics.a < 2.5e3 and metrics.a >= .5 and metrics.a<=+7 and metrics.a=1.')).toEqual([-1, 2500, 0.5, 7, 1]);
    expect(values(`params.a = 'it''s' and params.a = 'it\\'s' and params.a = "say ""hi""" and params.a LIKE 'a\\_b'`)).toEqual([
      "it's",
      "it's",
      'say "hi"',
      'a\\_b',
    ]);
  });

  it('takes keywords in any case and every comparator where it applies', () => {
    const comparators = (f: string) => parseFilter(f, RUNS).map((c) => c.comparator);
    expect(
      comparators(
        `metrics.a = 1 and metrics.a != 1 and metrics.a < 1 and metrics.a <= 1 and metrics.a > 1 and metrics.a >= 1 ` +
          `and params.p like 'a%' and params.p ILike 'A%' and tags.t is null and tags.t IS not NULL and params.p Is Null ` +
          `and run_id in ('a', 'b') and run_id NOT IN ('c') and datasets.name not in ('d') and datasets.context IN ('training')`,
      ),
    ).toEqual(['=', '!=', '<', '<=', '>', '>=', 'LIKE', 'ILIKE', 'IS NULL', 'IS NOT NULL', 'IS NULL', 'IN', 'NOT IN', 'NOT IN', 'IN']);
    expect(parseFilter(`run_id IN ('a','b')`, RUNS)[0]!.value).toEqual(['a', 'b']);
    expect(parseFilter('tags.t IS NULL', RUNS)[0]!.value).toBeNull();
  });

  it('works without spaces around comparators', () => {
    expect(parseFilter(`metrics.rmse<0.5 and params.a='x'`, RUNS).map((c) => c.value)).toEqual([0.5, 'x']);
  });

  it('refuses OR with a message that says only AND joins clauses', () => {
    const err = refusal(`metrics.a > 1 OR metrics.b > 1`);
    expect(err.message).toContain("'OR'");
    expect(err.message).toContain('AND');
    expect(refusal(`metrics.a > 1 or metrics.b > 1`).message).toContain("'OR'");
  });

  it('names the offending clause and problem for each kind of mistake', () => {
    const cases: [string, string[]][] = [
      [`foo.bar = 'x'`, [`'foo.bar = 'x''`, "invalid entity type 'foo'", "'metrics'"]],
      [`nope = 'x'`, ["invalid attribute key 'nope'", "'run_id'", "'created'"]],
      [`experiment_id = '1'`, ["invalid attribute key 'experiment_id'"]],
      [`lifecycle_stage = 'active'`, ["invalid attribute key 'lifecycle_stage'"]],
      [`metrics.a LIKE 'x'`, ["invalid comparator 'LIKE' for metric 'a'", "'<='"]],
      [`params.a > 'x'`, ["invalid comparator '>' for param 'a'"]],
      [`start_time LIKE '1'`, ["invalid comparator 'LIKE' for attribute 'start_time'"]],
      [`status IN ('a')`, ["invalid comparator 'IN' for attribute 'status'"]],
      [`metrics.a IS NULL`, ["invalid comparator 'IS NULL' for metric 'a'"]],
      [`run_id IS NULL`, ["invalid comparator 'IS NULL' for attribute 'run_id'"]],
      [`params.a = x`, ['expected a quoted string value', "'x'"]],
      [`params.a = 0.1`, ['expected a quoted string value', 'the number 0.1']],
      [`metrics.a < '0.5'`, ['expected a numeric value for metric', "the string '0.5'"]],
      [`start_time > 'yesterday'`, ['expected a numeric value for attribute']],
      [`metrics.a <> 1`, ["invalid comparator '<>'"]],
      [`metrics.a == 1`, ["invalid comparator '=='"]],
      [`params.a NOT LIKE 'x'`, ["invalid comparator 'NOT LIKE'"]],
      [`metrics.a 1`, ['expected a comparator', 'the number 1']],
      [`metrics.a`, ['missing a comparator']],
      [`metrics.a >`, ["missing a value after '>'"]],
      [`metrics.a > 1 2`, ['found the number 2 after the comparison']],
      [`metrics.a > 1 and`, ["expected a comparison after 'AND'"]],
      [`and metrics.a > 1`, ["expected a comparison before 'AND'"]],
      [`metrics.a > 1 and and metrics.b > 1`, ["expected a comparison after 'AND'"]],
      [`(metrics.a > 1)`, ['expected an identifier']],
      [`'metrics.a' > 1`, ['expected an identifier', "the string 'metrics.a'"]],
      [`metrics. > 1`, ["missing key after 'metrics.'"]],
      [`run_id IN ()`, ['the value list is empty']],
      [`run_id IN 'a'`, ['parenthesised list']],
      [`run_id IN ('a', b)`, ['expected a quoted string in the value list']],
      [`run_id IN ('a'`, ["not closed with ')'"]],
      [`tags.t IS 'x'`, ['NULL or NOT NULL']],
      [`params.a = 'open`, ['no closing', 'position 11']],
      [`params.a = 'x'; drop table runs`, ["unexpected character ';'"]],
    ];
    for (const [filter, parts] of cases) {
      const message = refusal(filter).message;
      for (const part of parts) expect(message, filter).toContain(part);
    }
  });

  it('quotes the whole offending clause, not its neighbours', () => {
    const message = refusal(`metrics.a > 1 and params.b > 'x' and tags.c = 'y'`).message;
    expect(message).toContain(`'params.b > 'x''`);
    expect(message).not.toContain('tags.c');
  });

  it('applies the experiment profile: name and times, tags, no metrics or attr prefix', () => {
    expect(parseFilter(`name LIKE 'iris%' and creation_time > 5 and tags.team = 'x' and tag.t IS NOT NULL`, EXPERIMENTS).map((c) => c.key)).toEqual([
      'name',
      'creation_time',
      'team',
      't',
    ]);
    expect(refusal('metrics.a > 1', EXPERIMENTS).message).toContain("invalid entity type 'metrics'");
    expect(refusal(`attr.name = 'x'`, EXPERIMENTS).message).toContain("invalid entity type 'attr'");
    expect(refusal(`experiment_id = 1`, EXPERIMENTS).message).toContain("invalid attribute key 'experiment_id'");
    expect(refusal(`last_update_time = 'x'`, EXPERIMENTS).message).toContain('expected a numeric value');
  });

  it('treats prefixes as case-sensitive', () => {
    expect(refusal('METRICS.a > 1').message).toContain("invalid entity type 'METRICS'");
  });
});
