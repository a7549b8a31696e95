import { useCallback, useMemo, useRef, useState } from 'react';
import type { Run } from '../../../src/tracking/entities.js';
import { api } from '../api/client.js';
import { isInputError } from '../api/errors.js';
import { FIRST_PAGE, useRunPages } from '../api/run-pages.js';
import { useResource } from '../api/use-resource.js';
import { ColumnChooser } from '../components/ColumnChooser.js';
import { ErrorMessage } from '../components/ErrorMessage.js';
import { FilterBox } from '../components/FilterBox.js';
import { attributeColumns, availableKeys, defaultColumns, runRow, valueColumn, type RunColumn } from '../components/run-columns.js';
import { VirtualTable, type VColumn } from '../components/VirtualTable.js';
import { Link, navigate, useQuery, withQuery } from '../router.js';

const DEFAULT_SORT = { id: 'start', ascending: false };

export function RunsPage({ experimentId }: { experimentId: string }) {
  const [query, setQuery] = useQuery();
  const filter = query.get('filter') ?? '';
  const sortId = query.get('sort') ?? DEFAULT_SORT.id;
  const ascending = query.has('sort') ? query.get('dir') === 'asc' : DEFAULT_SORT.ascending;
  const selected = useMemo(() => new Set((query.get('sel') ?? '').split(',').filter(Boolean)), [query.get('sel')]); // eslint-disable-line react-hooks/exhaustive-deps
  const [confirming, setConfirming] = useState(false);
  const [actionError, setActionError] = useState<unknown>();
  const lastToggled = useRef<number | undefined>(undefined);

  const experiment = useResource(() => api.tracking.getExperiment(experimentId), [experimentId]);
  const sortColumn = attributeColumns().find((c) => c.id === sortId) ?? valueColumn(sortId);
  const orderBy = sortColumn?.orderField ? [`${sortColumn.orderField} ${ascending ? 'ASC' : 'DESC'}`] : [];
  const pages = useRunPages(experimentId, filter, orderBy);

  const keys = useMemo(() => availableKeys(pages.runs), [pages.runs]);
  const chosen = query.has('cols') ? (query.get('cols') ?? '').split(',').filter(Boolean) : defaultColumns(keys);

  const runsRef = useRef(pages.runs);
  runsRef.current = pages.runs;
  const setSelected = (ids: Set<string>) => setQuery({ sel: [...ids].join(',') });
  const toggle = (run: Run, index: number, range: boolean) => {
    const next = new Set(selected);
    const on = !next.has(run.info.run_id);
    if (range && lastToggled.current !== undefined) {
      const [a, b] = [Math.min(lastToggled.current, index), Math.max(lastToggled.current, index)];
      for (const r of runsRef.current.slice(a, b + 1)) on ? next.add(r.info.run_id) : next.delete(r.info.run_id);
    } else on ? next.add(run.info.run_id) : next.delete(run.info.run_id);
    lastToggled.current = index;
    setSelected(next);
  };

  const columns: VColumn<Run>[] = useMemo(() => {
    const check: VColumn<Run> = {
      id: 'select',
      label: '',
      width: 36,
      render: (run, i) => (
        <input
          type="checkbox"
          tabIndex={-1}
          aria-label={`Select ${run.info.run_name || run.info.run_id}`}
          checked={selected.has(run.info.run_id)}
          onChange={() => {}}
          onClick={(e) => toggle(run, i, e.shiftKey)}
        />
      ),
    };
    const fromRun = (c: RunColumn): VColumn<Run> => ({ ...c, sortable: c.orderField !== undefined, render: (run) => c.render(runRow(run)) });
    const dynamic = chosen.map(valueColumn).filter((c): c is RunColumn => c !== undefined);
    return [check, ...attributeColumns().map(fromRun), ...dynamic.map(fromRun)];
    // Not on the runs: a page arriving must not redraw the rows already in view.
  }, [chosen.join(','), selected]); // eslint-disable-line react-hooks/exhaustive-deps

  const onSort = (id: string) => {
    const asc = sortId === id ? !ascending : id === 'name';
    setQuery({ sort: id, dir: asc ? 'asc' : 'desc' });
  };

  const onRendered = useCallback((visible: number) => performance.mark('ty:runs-table:rendered', { detail: { visible } }), []);

  const deleteSelected = async () => {
    setConfirming(false);
    setActionError(undefined);
    try {
      for (const id of selected) await api.tracking.deleteRun(id);
      setQuery({ sel: undefined });
      pages.reload();
    } catch (err) {
      setActionError(err);
      pages.reload();
    }
  };

  const filterError = isInputError(pages.error) ? pages.error.message : undefined;
  const name = experiment.data?.name ?? `Experiment ${experimentId}`;
  return (
    <>
      <div className="crumbs">
        <Link to="/experiments">Experiments</Link> /
      </div>
      <div className="page-head">
        <h1>{name}</h1>
        <span className="muted mono">id {experimentId}</span>
        <span className="spacer" />
        <span className="muted" aria-live="polite" data-testid="runs-count">
          {pages.runs.length.toLocaleString()} run{pages.runs.length === 1 ? '' : 's'}
          {pages.more ? ' loaded, more below' : ''}
        </span>
      </div>
      {experiment.error !== undefined && <ErrorMessage error={experiment.error} context="Could not load the experiment" />}
      <div className="stack">
        <FilterBox value={filter} error={filterError} placeholder="metrics.rmse < 0.5 and params.optimizer = 'adam'" onApply={(f) => setQuery({ filter: f, sel: undefined })} />
        <div className="toolbar">
          <ColumnChooser keys={keys} chosen={chosen} onChange={(ids) => setQuery({ cols: ids.join(',') || ',' })} />
          <button type="button" disabled={selected.size < 2} onClick={() => navigate(withQuery('/compare', { runs: [...selected].join(',') }))}>
            Compare ({selected.size})
          </button>
          <button type="button" className="danger" disabled={selected.size === 0} onClick={() => setConfirming(true)}>
            Delete ({selected.size})
          </button>
          {selected.size > 0 && (
            <button type="button" onClick={() => setSelected(new Set())}>
              Clear selection
            </button>
          )}
          {pages.changed && (
            <button type="button" onClick={pages.reload}>
              Runs changed — reload
            </button>
          )}
        </div>
        {confirming && (
          <div className="message warn" role="alertdialog" aria-label="Confirm deletion">
            <strong>
              Delete {selected.size} run{selected.size === 1 ? '' : 's'}?
            </strong>
            <span>Deleted runs can be restored through the API (runs/restore) until they are purged.</span>
            <div className="row" style={{ marginTop: 8 }}>
              <button type="button" className="danger" autoFocus onClick={() => void deleteSelected()}>
                Delete
              </button>
              <button type="button" onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          </div>
        )}
        {actionError !== undefined && <ErrorMessage error={actionError} context="Delete failed" />}
        {pages.error !== undefined && !filterError && <ErrorMessage error={pages.error} onRetry={pages.reload} context="Could not load runs" />}
        <VirtualTable
          rows={pages.runs}
          columns={columns}
          rowKey={(r) => r.info.run_id}
          label="Runs"
          sort={{ id: sortId, ascending }}
          onSort={onSort}
          isSelected={(r) => selected.has(r.info.run_id)}
          onToggle={toggle}
          onOpen={(r) => navigate(`/runs/${r.info.run_id}`)}
          onNearEnd={pages.more ? pages.loadMore : undefined}
          onRendered={onRendered}
        />
        {!pages.loading && pages.runs.length === 0 && !pages.error && (
          <p className="muted">{filter ? 'No run matches the filter.' : 'No runs in this experiment yet.'}</p>
        )}
        {pages.loading && pages.runs.length > 0 && pages.runs.length >= FIRST_PAGE && <p className="muted">Loading more runs…</p>}
      </div>
    </>
  );
}
