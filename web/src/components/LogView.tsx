import { useLayoutEffect, useRef, useState } from 'react';
import type { LogText } from '../api/log-text.js';
import { ErrorMessage } from './ErrorMessage.js';

/** A log that keeps its newest line in view while it grows, unless the reader scrolled up. */
export function LogView({ log, label, onRetry }: { log: LogText; label: string; onRetry?: () => void }) {
  const pre = useRef<HTMLPreElement>(null);
  const [stick, setStick] = useState(true);
  useLayoutEffect(() => {
    const el = pre.current;
    if (el && stick) el.scrollTop = el.scrollHeight;
  }, [log.text, stick]);

  return (
    <div className="stack">
      <div className="row">
        {log.streaming ? (
          <span className="badge info" role="status">
            live
          </span>
        ) : (
          <span className="badge muted">complete</span>
        )}
        {log.clipped && <span className="muted">Earlier lines are not shown; download the log for all of it.</span>}
        <span className="spacer" />
        <label className="row" style={{ gap: 4 }}>
          <input type="checkbox" checked={stick} onChange={(e) => setStick(e.target.checked)} />
          Follow the end
        </label>
      </div>
      {log.error !== undefined && <ErrorMessage error={log.error} onRetry={onRetry} context="The log stopped" />}
      <pre
        ref={pre}
        className="log-view mono"
        aria-label={label}
        aria-live="off"
        tabIndex={0}
        data-testid="log-view"
        onScroll={(e) => {
          const el = e.currentTarget;
          const atEnd = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
          if (atEnd !== stick) setStick(atEnd);
        }}
      >
        {log.text || (log.streaming ? 'Waiting for output…' : 'The log is empty.')}
      </pre>
    </div>
  );
}
