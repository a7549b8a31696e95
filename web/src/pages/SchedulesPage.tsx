import { isMissingApi } from '../api/errors.js';
import { listSchedules } from '../api/pipelines.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading, Unavailable } from '../components/ErrorMessage.js';
import { formatTime } from '../format.js';

export function SchedulesPage() {
  const res = useResource(listSchedules, [], { every: 30_000 });
  if (isMissingApi(res.error)) return <Unavailable feature="Schedules" />;
  return (
    <>
      <div className="page-head">
        <h1>Schedules</h1>
      </div>
      {res.error !== undefined && <ErrorMessage error={res.error} onRetry={res.reload} context="Could not load schedules" />}
      {res.data === undefined && res.error === undefined && <Loading what="schedules" />}
      {res.data && res.data.length === 0 && <p className="muted">No schedules yet.</p>}
      {res.data && res.data.length > 0 && (
        <table className="data" aria-label="Schedules">
          <thead>
            <tr>
              <th>ID</th>
              <th>Cron</th>
              <th>Time zone</th>
              <th>Overlap</th>
              <th>Next firing</th>
              <th>Last firing</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((s) => (
              <tr key={s.id}>
                <td className="mono">{s.id}</td>
                <td className="mono">{s.cron ?? ''}</td>
                <td>{s.timezone ?? ''}</td>
                <td>{s.overlap ?? ''}</td>
                <td>{formatTime(s.nextFireAt)}</td>
                <td>{formatTime(s.lastFireAt)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
