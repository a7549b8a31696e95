import { useMemo } from 'react';
import type { Run } from '../../../src/tracking/entities.js';
import { api } from '../api/client.js';
import { sampledHistories } from '../api/metric-histories.js';
import { useResource } from '../api/use-resource.js';
import type { ChartLine } from '../charts/chart-data.js';
import { MetricChart } from '../charts/MetricChart.js';
import { ChartControls, chartSettings, type ChartSettings } from '../components/ChartControls.js';
import { CompareTable } from '../components/CompareTable.js';
import { ErrorMessage, Loading } from '../components/ErrorMessage.js';
import { Link, useQuery } from '../router.js';

const MAX_RUNS = 100;
const DEFAULT_CHARTS = 6;

/** Several runs side by side: overlaid metric charts and a table of what differs. */
export function ComparePage() {
  const [query, setQuery] = useQuery();
  const ids = (query.get('runs') ?? '').split(',').filter(Boolean).slice(0, MAX_RUNS);
  const settings = chartSettings(query);
  const runs = useResource(() => Promise.all(ids.map((id) => api.tracking.getRun(id))), [ids.join(',')], {
    every: (rs) => (rs.some((r) => r.info.status === 'RUNNING') ? 5000 : undefined),
  });
  const keys = useMemo(() => {
    const all = new Set<string>();
    for (const r of runs.data ?? []) for (const m of r.data.metrics ?? []) all.add(m.key);
    return [...all].sort((a, b) => a.localeCompare(b));
  }, [runs.data]);
  const chosen = query.has('metrics') ? (query.get('metrics') ?? '').split(',').filter((k) => keys.includes(k)) : keys.slice(0, DEFAULT_CHARTS);

  if (ids.length < 2) {
    return (
      <div className="message warn" role="alert">
        <strong>Choose at least two runs to compare</strong>
        <span>
          Select runs in an <Link to="/experiments">experiment's runs table</Link> and press Compare.
        </span>
      </div>
    );
  }
  if (runs.data === undefined) return runs.error !== undefined ? <ErrorMessage error={runs.error} onRetry={runs.reload} context="Could not load the runs" /> : <Loading what="runs" />;
  const toggle = (key: string) => setQuery({ metrics: (chosen.includes(key) ? chosen.filter((k) => k !== key) : [...chosen, key]).join(',') || ',' });

  return (
    <>
      <div className="page-head">
        <h1>Comparing {runs.data.length} runs</h1>
      </div>
      {runs.error !== undefined && <ErrorMessage error={runs.error} context="Live updates paused" />}
      <CompareTable runs={runs.data} onlyDiff={query.get('diff') === '1'} onOnlyDiff={(v) => setQuery({ diff: v ? '1' : undefined })} />
      <h2>Metrics</h2>
      {keys.length === 0 ? (
        <p className="muted">These runs have logged no metrics.</p>
      ) : (
        <>
          <fieldset className="panel" style={{ margin: '0 0 10px' }}>
            <legend>Metrics to chart</legend>
            <div className="row">
              {keys.map((k) => (
                <label key={k} className="row" style={{ gap: 4 }}>
                  <input type="checkbox" checked={chosen.includes(k)} onChange={() => toggle(k)} />
                  <span className="mono">{k}</span>
                </label>
              ))}
            </div>
          </fieldset>
          <ChartControls settings={settings} onChange={setQuery} />
          <div className="grid-2">
            {chosen.map((key) => (
              <CompareChart key={key} metric={key} runs={runs.data!} settings={settings} />
            ))}
          </div>
        </>
      )}
    </>
  );
}

function CompareChart({ metric, runs, settings }: { metric: string; runs: Run[]; settings: ChartSettings }) {
  const ids = runs.map((r) => r.info.run_id);
  // Refetch when any run's latest value of this metric moved.
  const version = runs.map((r) => r.data.metrics?.find((m) => m.key === metric)?.timestamp ?? 0).join(',');
  const data = useResource(() => sampledHistories(ids, metric), [ids.join(','), metric, version]);
  const lines = useMemo<ChartLine[]>(
    () => runs.flatMap((r) => (data.data?.get(r.info.run_id) ? [{ label: r.info.run_name || r.info.run_id, history: data.data.get(r.info.run_id)! }] : [])),
    [data.data], // eslint-disable-line react-hooks/exhaustive-deps
  );
  return (
    <section className="panel chart-box">
      <h3 className="mono">{metric}</h3>
      {data.error !== undefined && <ErrorMessage error={data.error} onRetry={data.reload} />}
      {data.data === undefined && data.error === undefined && <Loading what={metric} />}
      {lines.length > 0 && <MetricChart title={metric} lines={lines} {...settings} syncKey="compare" />}
    </section>
  );
}
