import { api } from '../api/client.js';
import { isMissingApi } from '../api/errors.js';
import { useResource } from '../api/use-resource.js';
import { DagView, type DagTask } from '../components/DagView.js';
import { ErrorMessage, Loading, Unavailable } from '../components/ErrorMessage.js';
import { KeyValueTable } from '../components/KeyValueTable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatTime } from '../format.js';
import { Link } from '../router.js';

export function PipelinePage({ pipelineRunId }: { pipelineRunId: string }) {
  const res = useResource(() => api.pipelines.getPipelineRun(pipelineRunId), [pipelineRunId], { every: (p) => (p.state === 'running' ? 1500 : undefined) });
  if (isMissingApi(res.error)) return <Unavailable feature="Pipelines" />;
  if (res.data === undefined) {
    return res.error !== undefined ? <ErrorMessage error={res.error} onRetry={res.reload} context={`Could not load pipeline run ${pipelineRunId}`} /> : <Loading what="the pipeline run" />;
  }
  const p = res.data;
  const tasks: DagTask[] = p.tasks.map((t) => {
    const runId = t.runId ?? t.cachedFrom?.runId ?? undefined;
    return {
      name: t.name,
      needs: t.needs,
      state: t.state,
      href: runId ? `/runs/${runId}` : undefined,
      note: t.state === 'cached' ? 'cache hit' : t.attempt > 1 ? `try ${t.attempt} of ${t.maxAttempts}` : undefined,
    };
  });
  return (
    <>
      <div className="crumbs">
        <Link to="/pipelines">Pipelines</Link> /
      </div>
      <div className="page-head">
        <h1>{p.pipeline}</h1>
        <StatusBadge status={p.state} />
        <span className="muted mono">{p.id}</span>
      </div>
      {res.error !== undefined && <ErrorMessage error={res.error} context="Live updates paused" />}
      <div className="panel" style={{ overflow: 'auto' }}>
        <DagView tasks={tasks} />
      </div>
      <h2>Details</h2>
      <KeyValueTable
        label="Pipeline run"
        empty=""
        entries={[
          { key: 'Started', value: formatTime(p.createdAt) },
          { key: 'Finished', value: formatTime(p.finishedAt) },
          { key: 'Parent run', value: p.runId ? <Link to={`/runs/${p.runId}`}>{p.runId}</Link> : '—' },
          { key: 'Experiment', value: p.experiment },
          { key: 'Parameters', value: JSON.stringify(p.params) },
          { key: 'Tasks', value: Object.entries(p.summary).map(([state, n]) => `${n} ${state}`).join(', ') },
          ...(p.message ? [{ key: 'Message', value: p.message }] : []),
        ]}
      />
      <h2>Tasks</h2>
      <table className="data" aria-label="Tasks">
        <thead>
          <tr>
            <th>Task</th>
            <th>State</th>
            <th>Tries</th>
            <th>Run</th>
            <th>Message</th>
          </tr>
        </thead>
        <tbody>
          {p.tasks.map((t) => (
            <tr key={t.name}>
              <td className="mono">{t.name}</td>
              <td>
                <StatusBadge status={t.state} />
              </td>
              <td>
                {t.attempt} of {t.maxAttempts}
              </td>
              <td>
                {t.runId ? <Link to={`/runs/${t.runId}`}>run</Link> : null}
                {t.cachedFrom?.runId ? (
                  <>
                    {' '}
                    cached from <Link to={`/runs/${t.cachedFrom.runId}`}>run</Link>
                  </>
                ) : null}
              </td>
              <td>{t.message ?? ''}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
