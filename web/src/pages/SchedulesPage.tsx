import type { ScheduleView } from '../../../src/clients/pipelines.js';
import { api } from '../api/client.js';
import { isMissingApi } from '../api/errors.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading, Unavailable } from '../components/ErrorMessage.js';
import { formatTime } from '../format.js';
import { Link } from '../router.js';

export function SchedulesPage() {
  const res = useResource(() => api.pipelines.listSchedules(), [], { every: 30_000 });
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
              <th>Target</th>
              <th>Overlap</th>
              <th>Next firing</th>
              <th>Last firing</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((s) => (
              <tr key={s.id}>
                <td className="mono">{s.id}</td>
                <td className="mono">{s.spec.cron}</td>
                <td>{s.spec.timezone}</td>
                <td>{targetOf(s)}</td>
                <td>
                  {s.spec.overlap}
                  {s.status.queued > 0 ? ` (${s.status.queued} queued)` : ''}
                </td>
                <td>{formatTime(s.status.nextFireAt)}</td>
                <td>
                  {formatTime(s.status.lastFireAt)}
                  {s.status.lastTarget ? <LastTarget target={s.status.lastTarget} kind={s.spec.target.kind} /> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}

/** What a schedule starts, in a few words. */
function targetOf(s: ScheduleView): string {
  const t = s.spec.target;
  const name = (m: Record<string, unknown>) => String(m.id ?? (m as { name?: unknown }).name ?? '?');
  if (t.kind === 'training') return `training ${name(t.manifest)}`;
  const params = Object.entries(t.params).map(([k, v]) => `${k}=${v}`).join(' ');
  return `pipeline ${name(t.manifest)}${params ? ` (${params})` : ''}`;
}

/** Where the last firing went: its pipeline run, or its training. */
function LastTarget({ target, kind }: { target: string; kind: 'pipeline' | 'training' }) {
  // A training firing reads `<training id>#<generation>`.
  const id = kind === 'training' ? target.replace(/#\d+$/, '') : target;
  return (
    <>
      {' → '}
      <Link to={`/${kind === 'training' ? 'trainings' : 'pipelines'}/${encodeURIComponent(id)}`}>{target}</Link>
    </>
  );
}
