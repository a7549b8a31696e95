import { useMemo, useRef } from 'react';
import type { Run } from '../../../../src/tracking/entities.js';
import { useRunHistories } from '../../api/metric-histories.js';
import type { ChartLine } from '../../charts/chart-data.js';
import { MetricChart } from '../../charts/MetricChart.js';
import type { History } from '../../charts/series.js';
import { useQuery } from '../../router.js';
import { ChartControls, chartSettings } from '../ChartControls.js';
import { ErrorMessage } from '../ErrorMessage.js';

const DEFAULT_SHOWN = 12;

// One line list per fetched history: a chart is redrawn only when its own data changed.
const lineCache = new WeakMap<History, ChartLine[]>();
function linesOf(key: string, h: History): ChartLine[] {
  let lines = lineCache.get(h);
  if (!lines) {
    lines = [{ label: key, history: h }];
    lineCache.set(h, lines);
  }
  return lines;
}

/**
 * One chart per chosen metric, or all chosen metrics on one chart ("overlay"). New points of a
 * running run are fetched when its latest value of a metric changes.
 */
export function RunMetrics({ run }: { run: Run }) {
  const [query, setQuery] = useQuery();
  const settings = chartSettings(query);
  const overlay = query.get('overlay') === '1';
  const latest = run.data.metrics ?? [];
  const allKeys = useMemo(() => latest.map((m) => m.key).sort((a, b) => a.localeCompare(b)), [latest]);
  const chosen = query.has('metrics') ? (query.get('metrics') ?? '').split(',').filter((k) => allKeys.includes(k)) : allKeys.slice(0, DEFAULT_SHOWN);
  const versions = useMemo(() => new Map(latest.map((m) => [m.key, `${m.timestamp}:${m.step}:${m.value}`])), [latest]);
  const histories = useRunHistories(run.info.run_id, chosen, versions);

  const toggle = (key: string) => {
    const next = chosen.includes(key) ? chosen.filter((k) => k !== key) : [...chosen, key];
    setQuery({ metrics: next.join(',') || ',' });
  };

  const shown = chosen.map((key) => [key, histories.byKey.get(key)] as const);
  const overlayLines = useSameArray(shown.flatMap(([key, h]) => (h ? linesOf(key, h) : [])));

  if (allKeys.length === 0) return <p className="muted">This run has logged no metrics.</p>;
  return (
    <div className="stack">
      <fieldset className="panel" style={{ margin: 0 }}>
        <legend>Metrics to chart</legend>
        <div className="row">
          {allKeys.map((k) => (
            <label key={k} className="row" style={{ gap: 4 }}>
              <input type="checkbox" checked={chosen.includes(k)} onChange={() => toggle(k)} />
              <span className="mono">{k}</span>
            </label>
          ))}
        </div>
      </fieldset>
      <div className="row">
        <ChartControls settings={settings} onChange={setQuery} />
        <label className="row" style={{ gap: 4, marginBottom: 10 }}>
          <input type="checkbox" checked={overlay} onChange={(e) => setQuery({ overlay: e.target.checked ? '1' : undefined })} />
          All on one chart
        </label>
      </div>
      {[...histories.errors].map(([key, err]) => (
        <ErrorMessage key={key} error={err} context={`Could not load the history of ${key}`} />
      ))}
      {overlay ? (
        overlayLines.length > 0 && <MetricChart title={chosen.join(', ')} lines={overlayLines} {...settings} height={360} />
      ) : (
        <div className="grid-2">
          {chosen.map((key) => {
            const h = histories.byKey.get(key);
            const l = h && linesOf(key, h);
            return (
              <section key={key} className="panel chart-box">
                <h3 className="mono">{key}</h3>
                {l ? <MetricChart title={key} lines={l} {...settings} syncKey={run.info.run_id} /> : <p className="muted">Loading {key}…</p>}
              </section>
            );
          })}
        </div>
      )}
    </div>
  );
}

/** The previous array when every element is the same object, so memoised charts keep their data. */
function useSameArray<T>(items: T[]): T[] {
  const prev = useRef(items);
  if (prev.current.length !== items.length || prev.current.some((x, i) => x !== items[i])) prev.current = items;
  return prev.current;
}
