import type { TrainingEvent } from '../../../src/clients/v1.js';
import { formatTime } from '../format.js';
import { StatusBadge } from './StatusBadge.js';

/** Each state change of a training, oldest first, grouped by generation (each edit is a new one). */
export function StateTimeline({ events }: { events: TrainingEvent[] }) {
  if (events.length === 0) return <p className="muted">No state changes yet.</p>;
  return (
    <ol className="timeline" aria-label="State timeline" data-testid="timeline">
      {events.map((e, i) => (
        <li key={i}>
          <div className="row">
            <StatusBadge status={e.state} />
            <span>{formatTime(e.at)}</span>
            <span className="muted">generation {e.generation}</span>
          </div>
          {e.message && <div className="muted">{e.message}</div>}
        </li>
      ))}
    </ol>
  );
}
