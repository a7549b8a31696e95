/**
 * The runs of an experiment, page by page as the table scrolls: a small first page so the table
 * shows at once, then larger pages on demand. The first page is polled so new runs and changing
 * statuses show without a reload; deeper pages are only fetched again when asked.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { Run } from '../../../src/tracking/entities.js';
import { api } from './client.js';
import { isInputError } from './errors.js';

export const FIRST_PAGE = 100;
const NEXT_PAGE = 1000;
const POLL_MS = 5000;
const MAX_POLL_MS = 60_000;

export interface RunPages {
  runs: Run[];
  /** More runs match than are loaded. */
  more: boolean;
  loading: boolean;
  error: unknown;
  /** Runs changed on the server in a way that needs a reload of the loaded pages to show. */
  changed: boolean;
  loadMore(): void;
  reload(): void;
}

interface State {
  runs: Run[];
  next: string | undefined;
  loading: boolean;
  error: unknown;
  changed: boolean;
}

export function useRunPages(experimentId: string, filter: string, orderBy: string[]): RunPages {
  const [state, setState] = useState<State>({ runs: [], next: undefined, loading: true, error: undefined, changed: false });
  const [generation, setGeneration] = useState(0);
  const stateRef = useRef(state);
  stateRef.current = state;
  const orderKey = orderBy.join('\n');
  const request = useCallback(
    (maxResults: number, pageToken?: string) =>
      api.tracking.searchRuns({ experimentIds: [experimentId], filter: filter || undefined, orderBy, maxResults, pageToken }),
    [experimentId, filter, orderKey], // eslint-disable-line react-hooks/exhaustive-deps
  );

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let wait = POLL_MS;
    setState({ runs: [], next: undefined, loading: true, error: undefined, changed: false });
    performance.mark('ty:runs:request');
    const first = () =>
      request(FIRST_PAGE).then(
        (page) => {
          if (!live) return;
          performance.mark('ty:runs:first-page', { detail: { runs: page.items.length } });
          setState({ runs: page.items, next: page.nextPageToken, loading: false, error: undefined, changed: false });
          timer = setTimeout(poll, wait);
        },
        (error: unknown) => {
          if (!live) return;
          setState((s) => ({ ...s, loading: false, error }));
          // A refused filter stays refused; an unreachable server may come back.
          if (isInputError(error)) return;
          timer = setTimeout(first, wait);
          wait = Math.min(wait * 2, MAX_POLL_MS);
        },
      );
    void first();

    const poll = async () => {
      if (!live) return;
      if (document.hidden) {
        timer = setTimeout(poll, wait);
        return;
      }
      try {
        const page = await request(FIRST_PAGE);
        if (!live) return;
        const changedAny = merge(page.items, page.nextPageToken);
        // Quiet experiments are polled less and less often; any change brings the pace back.
        wait = changedAny ? POLL_MS : Math.min(wait * 1.5, MAX_POLL_MS);
      } catch (error) {
        if (!live) return;
        setState((s) => ({ ...s, error }));
        wait = Math.min(wait * 2, MAX_POLL_MS);
      }
      timer = setTimeout(poll, wait);
    };

    const merge = (fresh: Run[], next: string | undefined): boolean => {
      const cur = stateRef.current;
      const head = cur.runs.slice(0, fresh.length);
      const sameOrder = head.length === fresh.length && head.every((r, i) => r.info.run_id === fresh[i]!.info.run_id);
      if (sameOrder) {
        const differs = fresh.some((r, i) => JSON.stringify(r) !== JSON.stringify(head[i]));
        if (differs) setState((s) => ({ ...s, runs: [...fresh, ...s.runs.slice(fresh.length)], error: undefined }));
        else if (cur.error !== undefined) setState((s) => ({ ...s, error: undefined }));
        return differs;
      }
      // Only the first page is loaded: take the new one as it is.
      if (cur.runs.length <= FIRST_PAGE) {
        setState({ runs: fresh, next, loading: false, error: undefined, changed: false });
        return true;
      }
      if (!cur.changed) setState((s) => ({ ...s, changed: true, error: undefined }));
      return true;
    };

    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [request, generation]);

  const loadMore = useCallback(() => {
    const cur = stateRef.current;
    if (cur.loading || !cur.next || cur.error !== undefined) return;
    setState((s) => ({ ...s, loading: true }));
    request(NEXT_PAGE, cur.next).then(
      (page) => {
        setState((s) => {
          // Runs created meanwhile shift the offsets; never show one run twice.
          const seen = new Set(s.runs.map((r) => r.info.run_id));
          const added = page.items.filter((r) => !seen.has(r.info.run_id));
          return { ...s, runs: [...s.runs, ...added], next: page.nextPageToken, loading: false };
        });
      },
      (error: unknown) => setState((s) => ({ ...s, loading: false, error })),
    );
  }, [request]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { runs: state.runs, more: state.next !== undefined, loading: state.loading, error: state.error, changed: state.changed, loadMore, reload };
}
