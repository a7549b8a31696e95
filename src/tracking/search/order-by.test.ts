import { describe, expect, it } from 'vitest';
import { TrainyardError } from '../../errors.js';
import { parseOrderBy } from './order-by.js';
import { EXPERIMENT_SEARCH_PROFILE as EXPERIMENTS, RUN_SEARCH_PROFILE as RUNS } from './profiles.js';

function refusal(entries: string[], profile = RUNS): string {
  try {
    parseOrderBy(entries, profile);
  } catch (err) {
    expect((err as TrainyardError).code).toBe('INVALID_PARAMETER_VALUE');
    return (err as TrainyardError).message;
  }
  throw new Error(`order_by was accepted: ${entries.join(', ')}`);
}

describe('parseOrderBy', () => {
  it('reads keys of every entity with optional, case-insensitive directions', () => {
    expect(parseOrderBy(['metrics.rmse', 'params.`batch size` desc', 'tags."a b" ASC', 'start_time DeSc', 'attr.run_name'], RUNS)).toEqual([
      { entity: 'metric', key: 'rmse', type: 'number', ascending: true, text: 'metrics.rmse' },
      { entity: 'param', key: 'batch size', type: 'string', ascending: false, text: 'params.`batch size` desc' },
      { entity: 'tag', key: 'a b', type: 'string', ascending: true, text: 'tags."a b" ASC' },
      { entity: 'attribute', key: 'start_time', type: 'number', ascending: false, text: 'start_time DeSc' },
      { entity: 'attribute', key: 'run_name', type: 'string', ascending: true, text: 'attr.run_name' },
    ]);
    expect(parseOrderBy(undefined, RUNS)).toEqual([]);
  });

  it('resolves aliases', () => {
    expect(parseOrderBy(['created DESC', '`Run Name`'], RUNS).map((k) => k.key)).toEqual(['start_time', 'run_name']);
  });

  it('refuses what cannot be parsed', () => {
    for (const entry of ['', 'metrics.a sideways', 'metrics.a ASC DESC', "'metrics.a'", 'metrics.a, metrics.b', 'metrics.a;']) {
      expect(refusal([entry]), entry).toMatch(/Invalid order_by clause '.*'\. Could not be parsed|unexpected character/);
    }
  });

  it('refuses unknown keys and entities that cannot be ordered', () => {
    expect(refusal(['nope ASC'])).toContain("Invalid ordering key in order_by clause 'nope ASC': invalid attribute key 'nope'");
    expect(refusal(['datasets.name'])).toContain("Invalid ordering key in order_by clause 'datasets.name'");
    expect(refusal(['foo.bar'])).toContain("invalid entity type 'foo'");
    expect(refusal(['tags.team'], EXPERIMENTS)).toContain('tag keys cannot be used in order_by');
  });

  it('refuses a field given twice, aliases included', () => {
    expect(refusal(['metrics.a', 'metrics.a DESC'])).toContain('`order_by` contains duplicate fields');
    expect(refusal(['start_time', 'created DESC'])).toContain("'start_time' and 'created DESC'");
    expect(parseOrderBy(['metrics.a', 'params.a', 'tags.a'], RUNS)).toHaveLength(3);
  });

  it('orders experiments by their attributes, experiment_id included', () => {
    expect(parseOrderBy(['name', 'experiment_id DESC', 'creation_time', 'last_update_time'], EXPERIMENTS).map((k) => k.key)).toEqual([
      'name',
      'experiment_id',
      'creation_time',
      'last_update_time',
    ]);
  });
});
