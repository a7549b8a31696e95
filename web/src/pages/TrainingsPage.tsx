import { v1 } from '../api/client.js';
import { isMissingApi } from '../api/errors.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading, Unavailable } from '../components/ErrorMessage.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatDuration, formatTime } from '../format.js';
import { Link, useQuery } from '../router.js';
import type { TrainingState } from '../../../src/clients/v1.js';

const STATES: TrainingState[] = ['scheduling', 'running', 'succeeded', 'failed', 'cancelled', 'unknown'];
export const ACTIVE_STATES = new Set<string>(['scheduling', 'running']);

export function TrainingsPage() {
  const [query, setQuery] = useQuery();
  const state = STATES.find((s) => s === query.get('state'));
  const model = query.get('model') ?? '';
  const res = useResource(() => v1.listTrainings({ state, modelName: model || undefined }), [state, model], {
    every: (list) => (list.some((t) => ACTIVE_STATES.has(t.status.state)) ? 2000 : 15_000),
  });

  if (isMissingApi(res.error)) return <Unavailable feature="Trainings" />;
  return (
    <>
      <div className="page-head">
        <h1>Trainings</h1>
        <span className="spacer" />
        <label className="row">
          State
          <select value={state ?? ''} onChange={(e) => setQuery({ state: e.target.value })}>
            <option value="">any</option>
            {STATES.map((s) => (
              <option key={s}>{s}</option>
            ))}
          </select>
        </label>
        <input type="search" aria-label="Model name" placeholder="Model name" defaultValue={model} onKeyDown={(e) => e.key === 'Enter' && setQuery({ model: e.currentTarget.value.trim() })} />
      </div>
      {res.error !== undefined && <ErrorMessage error={res.error} onRetry={res.reload} context="Could not load trainings" />}
      {res.data === undefined && res.error === undefined && <Loading what="trainings" />}
      {res.data && res.data.length === 0 && <p className="muted">No trainings{state || model ? ' match' : ' yet. Submit one with `trainyard train create -f FILE`'}.</p>}
      {res.data && res.data.length > 0 && (
        <table className="data" aria-label="Trainings">
          <thead>
            <tr>
              <th>Training</th>
              <th>Model</th>
              <th>State</th>
              <th>Created</th>
              <th>Duration</th>
              <th>Run</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((t) => (
              <tr key={t.id}>
                <td>
                  <Link to={`/trainings/${encodeURIComponent(t.id)}`}>{t.id}</Link>
                </td>
                <td className="mono">
                  {t.spec.model.name}:{t.spec.model.version}
                </td>
                <td>
                  <StatusBadge status={t.status.state} />
                </td>
                <td>{formatTime(t.status.createdAt)}</td>
                <td>{t.status.startedAt ? formatDuration((t.status.finishedAt ?? Date.now()) - t.status.startedAt) : '—'}</td>
                <td>{t.status.runId ? <Link to={`/runs/${t.status.runId}`}>run</Link> : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
