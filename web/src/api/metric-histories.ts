/**
 * Metric histories for charts. The run page fetches whole histories (get-history, paged) and
 * refetches a key only when the run's latest value for it changed; the compare page asks the
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
      api.tracking.getMetricHistory(runId, key).then(
        (points) => {
          if (runRef.current !== runId) return;
          const history = historyOf(points);
          performance.mark('ty:metric:data', { detail: { key, points: points.length } });
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
