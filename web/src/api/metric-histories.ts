/**
 * Metric histories for charts. The run page fetches whole histories (get-history, paged) and,
 * when the run's latest value of a key changed, only the new steps; the compare page asks the
 * server for a sample of each run (get-history-bulk-interval), which stays small for long runs.
 */
import { useEffect, useRef, useState } from 'react';
import { historyOf, type History } from '../charts/series.js';
import { api } from './client.js';

export interface Histories {
  /** By metric key (run page) or by run id (compare page). */
  byKey: Map<string, History>;
  errors: Map<string, unknown>;
  loading: Set<string>;
}

/**
 * One run's histories for `keys`. `versions` (key → a string that changes when the metric gets new
 * points, e.g. its latest timestamp and step) triggers a refetch of that key alone.
 */
export function useRunHistories(runId: string, keys: readonly string[], versions: ReadonlyMap<string, string>): Histories {
  const [state, setState] = useState<Histories>({ byKey: new Map(), errors: new Map(), loading: new Set() });
  const fetched = useRef(new Map<string, string>());
  const runRef = useRef(runId);
  const historiesRef = useRef(state.byKey);
  historiesRef.current = state.byKey;

  useEffect(() => {
    if (runRef.current !== runId) {
      runRef.current = runId;
      fetched.current = new Map();
      setState({ byKey: new Map(), errors: new Map(), loading: new Set() });
    }
    for (const key of keys) {
      const version = versions.get(key) ?? '';
      if (fetched.current.get(key) === version) continue;
      fetched.current.set(key, version);
      setState((s) => ({ ...s, loading: new Set(s.loading).add(key) }));
      const known = historiesRef.current.get(key);
      const load = known && known.step.length > 0 ? newPoints(runId, key, known) : fullHistory(runId, key);
      load.then(
        (history) => {
          if (runRef.current !== runId) return;
          setState((s) => {
            const loading = new Set(s.loading);
            loading.delete(key);
            const errors = new Map(s.errors);
            errors.delete(key);
            return { byKey: new Map(s.byKey).set(key, history), errors, loading };
          });
        },
        (error: unknown) => {
          if (runRef.current !== runId) return;
          // Forget the version so the next change (or poll) tries again.
          fetched.current.delete(key);
          setState((s) => {
            const loading = new Set(s.loading);
            loading.delete(key);
            return { ...s, errors: new Map(s.errors).set(key, error), loading };
          });
        },
      );
    }
  }, [runId, keys.join('\n'), [...versions].join('\n')]); // eslint-disable-line react-hooks/exhaustive-deps

  return state;
}

async function fullHistory(runId: string, key: string): Promise<History> {
  const points = await api.tracking.getMetricHistory(runId, key);
  performance.mark('ty:metric:data', { detail: { key, points: points.length } });
  return historyOf(points);
}

const BULK_MAX = 2500;

/**
 * A growing metric: only the steps after the last one known, appended. When more new steps came
 * than one sampled answer holds, the whole history is read again instead.
 */
async function newPoints(runId: string, key: string, known: History): Promise<History> {
  let last = -Infinity;
  for (let i = 0; i < known.step.length; i++) if (known.step[i]! > last) last = known.step[i]!;
  const points = await api.tracking.getMetricHistoryBulkInterval([runId], key, { startStep: last + 1, maxResults: BULK_MAX });
  if (new Set(points.map((p) => p.step)).size >= BULK_MAX) return fullHistory(runId, key);
  if (points.length === 0) return known;
  return concat(known, historyOf(points));
}

function concat(a: History, b: History): History {
  const join = (x: Float64Array, y: Float64Array) => {
    const out = new Float64Array(x.length + y.length);
    out.set(x);
    out.set(y, x.length);
    return out;
  };
  return { step: join(a.step, b.step), time: join(a.time, b.time), value: join(a.value, b.value) };
}

/** Up to ~2,500 sampled steps of one metric for each of several runs (at most 100 runs). */
export async function sampledHistories(runIds: readonly string[], key: string): Promise<Map<string, History>> {
  const points = await api.tracking.getMetricHistoryBulkInterval([...runIds], key, { maxResults: 2500 });
  const byRun = new Map<string, typeof points>();
  for (const p of points) {
    const list = byRun.get(p.run_id);
    if (list) list.push(p);
    else byRun.set(p.run_id, [p]);
  }
  return new Map([...byRun].map(([id, list]) => [id, historyOf(list)]));
}
