import { api } from '../api/client.js';
import { isMissingApi } from '../api/errors.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading, Unavailable } from '../components/ErrorMessage.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatDuration, formatTime } from '../format.js';
import { Link } from '../router.js';

export function PipelinesPage() {
  const res = useResource(() => api.pipelines.listPipelineRuns(), [], { every: (list) => (list.some((p) => p.state === 'running') ? 2000 : 15_000) });
  if (isMissingApi(res.error)) return <Unavailable feature="Pipelines" />;
  return (
    <>
      <div className="page-head">
        <h1>Pipeline runs</h1>
      </div>
      {res.error !== undefined && <ErrorMessage error={res.error} onRetry={res.reload} context="Could not load pipeline runs" />}
      {res.data === undefined && res.error === undefined && <Loading what="pipeline runs" />}
      {res.data && res.data.length === 0 && <p className="muted">No pipeline runs yet. Start one with `trainyard pipeline run FILE`.</p>}
      {res.data && res.data.length > 0 && (
        <table className="data" aria-label="Pipeline runs">
          <thead>
            <tr>
              <th>Run</th>
              <th>Pipeline</th>
              <th>State</th>
              <th>Started</th>
              <th>Duration</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((p) => (
              <tr key={p.id}>
                <td>
                  <Link to={`/pipelines/${encodeURIComponent(p.id)}`}>{p.id}</Link>
                </td>
                <td>{p.pipeline}</td>
                <td>
                  <StatusBadge status={p.state} />
                </td>
                <td>{formatTime(p.createdAt)}</td>
                <td>{formatDuration((p.finishedAt ?? Date.now()) - p.createdAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
