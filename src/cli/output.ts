/**
 * `-o json|yaml|table|jsonpath=TEMPLATE`: one resource prints as itself, a list as `{items: [...]}`
 * (so `{.items[*].id}` works and the output can be given back with `-f`); tables have one row per
 * resource with kubectl-style columns.
 */
import { stringify as toYaml } from 'yaml';
import { CliError } from './errors.js';
import { jsonpath } from './jsonpath.js';

export type OutputFormat = { kind: 'json' } | { kind: 'yaml' } | { kind: 'table' } | { kind: 'jsonpath'; template: string };

export const OUTPUT_HELP = 'output format: table (default), json, yaml or jsonpath=TEMPLATE (e.g. jsonpath={.status.state})';

export function parseOutputFormat(text: string | undefined): OutputFormat {
  const value = (text ?? 'table').trim();
  if (value === 'json' || value === 'yaml' || value === 'table') return { kind: value };
  if (value === 'yml') return { kind: 'yaml' };
  const m = /^jsonpath=(.*)$/s.exec(value);
  if (m) {
    if (m[1]!.trim() === '') throw new CliError(`-o jsonpath= needs a template, e.g. -o 'jsonpath={.status.state}'`);
    return { kind: 'jsonpath', template: m[1]! };
  }
  throw new CliError(`-o '${value}' is not an output format: use json, yaml, table or jsonpath=TEMPLATE`);
}

export interface Column<T> {
  header: string;
  value(item: T, now: number): string;
}

/** What a command prints: one resource, or a list of them. */
export type Printable<T> = { one: T } | { list: T[] };

/** The text to print (ending in a newline) for `data` in `format`; `empty` is the table's text for an empty list. */
export function render<T>(data: Printable<T>, format: OutputFormat, columns: Column<T>[], empty: string, now = Date.now()): string {
  const value: unknown = 'one' in data ? data.one : { items: data.list };
  switch (format.kind) {
    case 'json':
      return `${JSON.stringify(value, null, 2)}\n`;
    case 'yaml':
      return toYaml(value, { lineWidth: 0 });
    case 'jsonpath': {
      const text = jsonpath(format.template, value);
      return text.endsWith('\n') ? text : `${text}\n`;
    }
    case 'table': {
      const rows = 'one' in data ? [data.one] : data.list;
      if (rows.length === 0) return `${empty}\n`;
      return renderTable(
        columns.map((c) => c.header),
        rows.map((r) => columns.map((c) => c.value(r, now))),
      );
    }
  }
}

/** Left-aligned columns three spaces apart, the last one unpadded. */
export function renderTable(headers: string[], rows: string[][]): string {
  const clean = rows.map((r) => r.map((cell) => cell.replace(/\s+/g, ' ')));
  const widths = headers.map((h, i) => Math.max(h.length, ...clean.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => (i === cells.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('   ')
      .trimEnd();
  return `${[line(headers), ...clean.map(line)].join('\n')}\n`;
}

/** kubectl-style age: 42s, 5m, 3h, 2d (4m30s and 1h5m while short enough to matter). */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 10) return s % 60 === 0 ? `${m}m` : `${m}m${s % 60}s`;
  if (m < 60) return `${m}m`;
  const h = Math.floor(m / 60);
  if (h < 10) return m % 60 === 0 ? `${h}h` : `${h}h${m % 60}m`;
  if (h < 48) return `${h}h`;
  return `${Math.floor(h / 24)}d`;
}

/** Elapsed time for progress lines: 0.4s, 12.3s, 2m05s, 1h02m. */
export function formatElapsed(ms: number): string {
  if (ms < 60_000) return `${(Math.max(0, ms) / 1000).toFixed(1)}s`;
  const s = Math.floor(ms / 1000);
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`;
}
