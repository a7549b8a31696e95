/**
 * Columns of the runs table: fixed attributes plus any metric, param or tag chosen by the person.
 * A column id is `metric:loss`, `param:lr`, `tag:team`, or an attribute name; sorting maps each to
 * the search API's order_by so the server sorts all runs, not only the loaded ones.
 */
import type { ReactNode } from 'react';
import { fromJsonDouble } from '../../../src/clients/log-batch.js';
import type { Run } from '../../../src/tracking/entities.js';
import { formatDuration, formatNumber, formatTime } from '../format.js';
import { Link } from '../router.js';
import { StatusBadge } from './StatusBadge.js';

export type ColumnKind = 'metric' | 'param' | 'tag';

export interface RunColumn {
  id: string;
  label: string;
  width: number;
  align?: 'right';
  /** The order_by field, when the server can sort by it. */
  orderField?: string;
  render(row: RunRow): ReactNode;
}

/** A run with its values indexed for cell lookups. */
export interface RunRow {
  run: Run;
  metrics: Map<string, number>;
  params: Map<string, string>;
  tags: Map<string, string>;
}

const rows = new WeakMap<Run, RunRow>();

export function runRow(run: Run): RunRow {
  let row = rows.get(run);
  if (!row) {
    row = {
      run,
      metrics: new Map((run.data.metrics ?? []).map((m) => [m.key, fromJsonDouble(m.value)])),
      params: new Map((run.data.params ?? []).map((p) => [p.key, p.value])),
      tags: new Map((run.data.tags ?? []).map((t) => [t.key, t.value])),
    };
    rows.set(run, row);
  }
  return row;
}

const ATTRIBUTE_COLUMNS: RunColumn[] = [
  {
    id: 'name',
    label: 'Run',
    width: 240,
    orderField: 'attributes.run_name',
    render: (r) => (
      <Link to={`/runs/${r.run.info.run_id}`} tabIndex={-1}>
        {r.run.info.run_name || r.run.info.run_id}
      </Link>
    ),
  },
  { id: 'status', label: 'Status', width: 100, orderField: 'attributes.status', render: (r) => <StatusBadge status={r.run.info.status} /> },
  { id: 'start', label: 'Started', width: 175, orderField: 'attributes.start_time', render: (r) => formatTime(r.run.info.start_time) },
  {
    id: 'duration',
    label: 'Duration',
    width: 100,
    align: 'right',
    render: (r) => formatDuration(r.run.info.end_time ? r.run.info.end_time - r.run.info.start_time : undefined),
  },
  { id: 'user', label: 'User', width: 110, orderField: 'attributes.user_id', render: (r) => r.run.info.user_id },
];

export function attributeColumns(): RunColumn[] {
  return ATTRIBUTE_COLUMNS;
}

const PREFIX: Record<ColumnKind, string> = { metric: 'metrics', param: 'params', tag: 'tags' };

export function parseColumnId(id: string): { kind: ColumnKind; key: string } | undefined {
  const at = id.indexOf(':');
  const kind = id.slice(0, at);
  if (kind !== 'metric' && kind !== 'param' && kind !== 'tag') return undefined;
  return { kind, key: id.slice(at + 1) };
}

export function valueColumn(id: string): RunColumn | undefined {
  const parsed = parseColumnId(id);
  if (!parsed) return undefined;
  const { kind, key } = parsed;
  const base = { id, label: key, width: 130, orderField: `${PREFIX[kind]}.\`${key}\`` };
  if (kind === 'metric') return { ...base, align: 'right', render: (r) => formatNumber(r.metrics.get(key)) };
  const map = kind === 'param' ? 'params' : 'tags';
  return { ...base, render: (r) => r[map].get(key) ?? '' };
}

/** The column ids for the first loaded runs when the URL names none: a few metrics and params. */
export function defaultColumns(keys: AvailableKeys): string[] {
  return [...keys.metric.slice(0, 4).map((k) => `metric:${k}`), ...keys.param.slice(0, 3).map((k) => `param:${k}`)];
}

export interface AvailableKeys {
  metric: string[];
  param: string[];
  tag: string[];
}

/** Every metric, param and tag key among the runs, sorted. */
export function availableKeys(runs: readonly Run[]): AvailableKeys {
  const m = new Set<string>();
  const p = new Set<string>();
  const t = new Set<string>();
  for (const run of runs) {
    for (const x of run.data.metrics ?? []) m.add(x.key);
    for (const x of run.data.params ?? []) p.add(x.key);
    for (const x of run.data.tags ?? []) t.add(x.key);
  }
  const sorted = (s: Set<string>) => [...s].sort((a, b) => a.localeCompare(b));
  return { metric: sorted(m), param: sorted(p), tag: sorted(t) };
}

export function kindLabel(kind: ColumnKind): string {
  return kind === 'metric' ? 'Metrics' : kind === 'param' ? 'Parameters' : 'Tags';
}
