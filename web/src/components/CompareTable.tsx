import type { ReactNode } from 'react';
import type { Run } from '../../../src/tracking/entities.js';
import { formatDuration, formatNumber, formatTime } from '../format.js';
import { Link } from '../router.js';
import { runRow } from './run-columns.js';
import { StatusBadge } from './StatusBadge.js';

interface Row {
  group: string;
  label: string;
  cells: string[];
  render?(value: string, i: number): ReactNode;
}

/** Attributes, params and latest metrics of each run in one column per run; rows that differ are marked. */
export function CompareTable({ runs, onlyDiff, onOnlyDiff }: { runs: Run[]; onlyDiff: boolean; onOnlyDiff(v: boolean): void }) {
  const indexed = runs.map(runRow);
  const union = (pick: (r: (typeof indexed)[number]) => Iterable<string>) => [...new Set(indexed.flatMap((r) => [...pick(r)]))].sort((a, b) => a.localeCompare(b));
  const rows: Row[] = [
    { group: 'Run', label: 'Status', cells: runs.map((r) => r.info.status), render: (v) => <StatusBadge status={v} /> },
    { group: 'Run', label: 'Started', cells: runs.map((r) => formatTime(r.info.start_time)) },
    { group: 'Run', label: 'Duration', cells: runs.map((r) => formatDuration(r.info.end_time ? r.info.end_time - r.info.start_time : undefined)) },
    ...union((r) => r.params.keys()).map((k) => ({ group: 'Parameters', label: k, cells: indexed.map((r) => r.params.get(k) ?? '') })),
    ...union((r) => r.metrics.keys()).map((k) => ({ group: 'Metrics', label: k, cells: indexed.map((r) => formatNumber(r.metrics.get(k))) })),
  ];
  const differs = (row: Row) => row.cells.some((c) => c !== row.cells[0]);
  const shown = rows.filter((r) => !onlyDiff || differs(r) || r.group === 'Run');
  const groups = [...new Set(shown.map((r) => r.group))];

  return (
    <section>
      <div className="toolbar">
        <label>
          <input type="checkbox" checked={onlyDiff} onChange={(e) => onOnlyDiff(e.target.checked)} />
          Only rows that differ
        </label>
        <span className="muted">
          <span className="badge" style={{ background: 'var(--diff)', borderColor: 'transparent', color: 'var(--fg)' }}>
            highlighted
          </span>{' '}
          = values differ between runs
        </span>
      </div>
      <div style={{ overflow: 'auto' }}>
        <table className="data" aria-label="Run comparison" data-testid="compare-table">
          <thead>
            <tr>
              <th scope="col">Field</th>
              {runs.map((r) => (
                <th key={r.info.run_id} scope="col">
                  <Link to={`/runs/${r.info.run_id}`}>{r.info.run_name || r.info.run_id}</Link>
                </th>
              ))}
            </tr>
          </thead>
          {groups.map((g) => (
            <tbody key={g}>
              <tr>
                <th colSpan={runs.length + 1} scope="rowgroup">
                  {g}
                </th>
              </tr>
              {shown
                .filter((r) => r.group === g)
                .map((row) => (
                  <tr key={`${g}:${row.label}`} className={differs(row) ? 'differs' : undefined} data-differs={differs(row) || undefined}>
                    <th scope="row" className="mono" style={{ fontWeight: 400 }}>
                      {row.label}
                    </th>
                    {row.cells.map((c, i) => (
                      <td key={i} className="mono">
                        {row.render ? row.render(c, i) : c}
                      </td>
                    ))}
                  </tr>
                ))}
            </tbody>
          ))}
        </table>
      </div>
    </section>
  );
}
