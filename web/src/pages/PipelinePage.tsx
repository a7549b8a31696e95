import { isMissingApi } from '../api/errors.js';
import { getPipelineRun } from '../api/pipelines.js';
import { useResource } from '../api/use-resource.js';
import { DagView, type DagTask } from '../components/DagView.js';
import { ErrorMessage, Loading, Unavailable } from '../components/ErrorMessage.js';
import { KeyValueTable } from '../components/KeyValueTable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatTime } from '../format.js';
import { Link } from '../router.js';

export function PipelinePage({ pipelineRunId }: { pipelineRunId: string }) {
  const res = useResource(() => getPipelineRun(pipelineRunId), [pipelineRunId], { every: (p) => (p.state === 'running' ? 1500 : undefined) });
  if (isMissingApi(res.error)) return <Unavailable feature="Pipelines" />;
  if (res.data === undefined) {
    return res.error !== undefined ? <ErrorMessage error={res.error} onRetry={res.reload} context={`Could not load pipeline run ${pipelineRunId}`} /> : <Loading what="the pipeline run" />;
  }
  const p = res.data;
  const records = new Map((p.tasks ?? []).map((t) => [t.name, t]));
  const tasks: DagTask[] = p.spec.tasks.map((spec) => {
    const rec = records.get(spec.name);
    const runId = rec?.runId ?? rec?.cachedFrom?.runId ?? undefined;
    return {
      name: spec.name,
      needs: spec.needs,
      state: rec?.state ?? 'pending',
      href: runId ? `/runs/${runId}` : undefined,
      note: rec?.state === 'cached' ? 'cache hit' : rec?.attempt && rec.attempt > 1 ? `try ${rec.attempt}` : undefined,
    };
  });
  return (
    <>
      <div className="crumbs">
        <Link to="/pipelines">Pipelines</Link> /
      </div>
      <div className="page-head">
        <h1>{p.name}</h1>
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
          { key: 'Parameters', value: JSON.stringify(p.params) },
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
          {p.spec.tasks.map((spec) => {
            const rec = records.get(spec.name);
            return (
              <tr key={spec.name}>
                <td className="mono">{spec.name}</td>
                <td>
                  <StatusBadge status={rec?.state ?? 'pending'} />
                </td>
                <td>{rec?.attempt ?? 0}</td>
                <td>
                  {rec?.runId ? <Link to={`/runs/${rec.runId}`}>run</Link> : null}
                  {rec?.cachedFrom?.runId ? (
                    <>
                      {' '}
                      cached from <Link to={`/runs/${rec.cachedFrom.runId}`}>run</Link>
                    </>
                  ) : null}
                </td>
                <td>{rec?.message ?? ''}</td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </>
  );
}
