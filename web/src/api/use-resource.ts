/**
 * Loads data for a view and, when asked, keeps it fresh by polling: the next poll waits `every`
 * milliseconds, doubles (to a minute) after each failure, and waits while the tab is hidden.
 * Data survives a failed poll, so a page shows its last content beside the error.
 */
import { useCallback, useEffect, useRef, useState } from 'react';

export interface Resource<T> {
  data: T | undefined;
  error: unknown;
  loading: boolean;
  /** Loads again now (after an action, or from a "retry" button). */
  reload(): void;
}

export interface ResourceOptions<T> {
  /** Poll interval in ms, or a function of the current data (undefined: stop polling). */
  every?: number | ((data: T) => number | undefined);
}

const MAX_BACKOFF_MS = 60_000;

export function useResource<T>(load: () => Promise<T>, deps: readonly unknown[], options: ResourceOptions<T> = {}): Resource<T> {
  const [state, setState] = useState<{ data: T | undefined; error: unknown; loading: boolean }>({ data: undefined, error: undefined, loading: true });
  const [tick, setTick] = useState(0);
  const loadRef = useRef(load);
  loadRef.current = load;
  const everyRef = useRef(options.every);
  everyRef.current = options.every;

  useEffect(() => {
    setState({ data: undefined, error: undefined, loading: true });
  }, deps); // eslint-disable-line react-hooks/exhaustive-deps

  useEffect(() => {
    let live = true;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let failures = 0;
    const schedule = (ms: number) => {
      timer = setTimeout(() => {
        if (document.hidden) {
          // Catch up as soon as the tab is shown again.
          const onShow = () => {
            document.removeEventListener('visibilitychange', onShow);
            if (live) void run();
          };
          document.addEventListener('visibilitychange', onShow);
        } else void run();
      }, ms);
    };
    const run = async () => {
      setState((s) => ({ ...s, loading: true }));
      let data: T | undefined;
      try {
        data = await loadRef.current();
        if (!live) return;
        failures = 0;
        setState({ data, error: undefined, loading: false });
      } catch (error) {
        if (!live) return;
        failures++;
        setState((s) => ({ ...s, error, loading: false }));
      }
      const every = everyRef.current;
      let base = typeof every === 'function' ? (data === undefined ? undefined : every(data)) : every;
      // A failed load retries on its own even when the view does not poll: the server may be back.
      if (base === undefined && failures) base = 2000;
      if (base === undefined) return;
      schedule(failures ? Math.min(base * 2 ** failures, MAX_BACKOFF_MS) : base);
    };
    void run();
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [...deps, tick]); // eslint-disable-line react-hooks/exhaustive-deps

  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...state, reload };
}
