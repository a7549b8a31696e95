import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { formatAge, formatElapsed, parseOutputFormat, render, renderTable, type Column } from './output.js';

interface Item {
  id: string;
  state: string;
  createdAt: number;
}
const NOW = 1_000_000_000;
const columns: Column<Item>[] = [
  { header: 'ID', value: (i) => i.id },
  { header: 'STATE', value: (i) => i.state },
  { header: 'AGE', value: (i, now) => formatAge(now - i.createdAt) },
];
const items: Item[] = [
  { id: 'quickstart', state: 'succeeded', createdAt: NOW - 42_000 },
  { id: 'wine', state: 'running', createdAt: NOW - 3 * 3600_000 },
];

describe('output formats', () => {
  it('parses -o values and refuses unknown ones', () => {
    expect(parseOutputFormat(undefined)).toEqual({ kind: 'table' });
    expect(parseOutputFormat('yaml')).toEqual({ kind: 'yaml' });
    expect(parseOutputFormat('jsonpath={.id}')).toEqual({ kind: 'jsonpath', template: '{.id}' });
    expect(() => parseOutputFormat('xml')).toThrow(/-o 'xml' is not an output format: use json, yaml, table or jsonpath=TEMPLATE/);
    expect(() => parseOutputFormat('jsonpath=')).toThrow(/needs a template/);
  });

  it('prints one resource as itself and a list as {items}, in JSON and YAML', () => {
    expect(JSON.parse(render({ one: items[0]! }, { kind: 'json' }, columns, '', NOW))).toEqual(items[0]);
    expect(JSON.parse(render({ list: items }, { kind: 'json' }, columns, '', NOW))).toEqual({ items });
    expect(parseYaml(render({ list: items }, { kind: 'yaml' }, columns, '', NOW))).toEqual({ items });
    expect(parseYaml(render({ one: items[1]! }, { kind: 'yaml' }, columns, '', NOW))).toEqual(items[1]);
  });

  it('keeps long strings on one YAML line', () => {
    const long = { id: 'x', state: 'a '.repeat(100).trim(), createdAt: 0 };
    const text = render({ one: long }, { kind: 'yaml' }, columns, '', NOW);
    expect(text.split('\n').find((l) => l.startsWith('state:'))).toBe(`state: ${long.state}`);
  });

  it('renders jsonpath over the same shapes, ending with a newline', () => {
    expect(render({ list: items }, { kind: 'jsonpath', template: '{.items[*].id}' }, columns, '', NOW)).toBe('quickstart wine\n');
    expect(render({ one: items[1]! }, { kind: 'jsonpath', template: '{.state}' }, columns, '', NOW)).toBe('running\n');
  });

  it('renders a table with aligned columns, ages, and a message for an empty list', () => {
    expect(render({ list: items }, { kind: 'table' }, columns, 'No items.', NOW)).toBe(
      ['ID           STATE       AGE', 'quickstart   succeeded   42s', 'wine         running     3h'].join('\n') + '\n',
    );
    expect(render({ list: [] }, { kind: 'table' }, columns, 'No items.', NOW)).toBe('No items.\n');
  });

  it('keeps table rows on one line whatever the cells hold', () => {
    expect(renderTable(['A', 'B'], [['x\ny', 'z']])).toBe('A     B\nx y   z\n');
  });

  it('formats ages and elapsed times', () => {
    expect([0, 59_999, 60_000, 270_000, 1800_000, 3900_000, 20 * 3600_000, 72 * 3600_000].map(formatAge)).toEqual([
      '0s', '59s', '1m', '4m30s', '30m', '1h5m', '20h', '3d',
    ]);
    expect([400, 12_345, 125_000, 3_720_000].map(formatElapsed)).toEqual(['0.4s', '12.3s', '2m05s', '1h02m']);
  });
});
