/**
 * A log as text that grows while it is written: a training's log streamed from /api/v1 (followed
 * until the training ends), or a stored log file among a run's artifacts. Chunks are applied once
 * per animation frame, and only the last MAX_CHARS are kept so a chatty training cannot fill memory.
 */
import { useEffect, useState } from 'react';
import { api, artifactUrl, v1 } from './client.js';

export type LogSource = { kind: 'training'; trainingId: string; follow: boolean } | { kind: 'artifact'; runId: string; path: string };

export interface LogText {
  text: string;
  /** Earlier output was dropped to keep the page light. */
  clipped: boolean;
  /** Still receiving. */
  streaming: boolean;
  error: unknown;
}

const MAX_CHARS = 2_000_000;

export function useLogText(source: LogSource | undefined, attempt = 0): LogText {
  const [state, setState] = useState<LogText>({ text: '', clipped: false, streaming: false, error: undefined });
  const key = source ? JSON.stringify(source) : '';
  useEffect(() => {
    if (!source) return;
    const stop = new AbortController();
    let pending = '';
    let frame = 0;
    const flush = () => {
      frame = 0;
      const add = pending;
      pending = '';
      setState((s) => {
        const text = s.text + add;
        return text.length > MAX_CHARS ? { ...s, text: text.slice(text.length - MAX_CHARS), clipped: true } : { ...s, text };
      });
    };
    const push = (chunk: string) => {
      pending += chunk;
      if (!frame) frame = requestAnimationFrame(flush);
    };
    setState({ text: '', clipped: false, streaming: true, error: undefined });
    const read = async () => {
      if (source.kind === 'artifact') {
        const [path, query] = artifactUrl(source.runId, source.path).split('?');
        const res = await api.http.send('GET', path!, { query: Object.fromEntries(new URLSearchParams(query)), signal: stop.signal });
        push(await res.text());
        return;
      }
      const decoder = new TextDecoder();
      for await (const chunk of v1.trainingLogs(source.trainingId, { follow: source.follow, signal: stop.signal })) {
        push(decoder.decode(chunk, { stream: true }));
      }
      push(decoder.decode());
    };
    read().then(
      () => !stop.signal.aborted && setState((s) => ({ ...s, streaming: false })),
      (error: unknown) => !stop.signal.aborted && setState((s) => ({ ...s, streaming: false, error })),
    );
    return () => {
      stop.abort();
      cancelAnimationFrame(frame);
    };
  }, [key, attempt]); // eslint-disable-line react-hooks/exhaustive-deps
  return state;
}
