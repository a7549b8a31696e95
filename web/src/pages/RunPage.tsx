import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { ArtifactBrowser } from '../components/ArtifactBrowser.js';
import { ErrorMessage, Loading } from '../components/ErrorMessage.js';
import { RunLog } from '../components/run/RunLog.js';
import { RunMetrics } from '../components/run/RunMetrics.js';
import { RunOverview } from '../components/run/RunOverview.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { Tabs } from '../components/Tabs.js';
import { Link, useQuery } from '../router.js';

const TABS = [
  { id: 'overview', label: 'Overview' },
  { id: 'metrics', label: 'Metrics' },
  { id: 'artifacts', label: 'Artifacts' },
  { id: 'log', label: 'Log' },
];

const ACTIVE = new Set(['RUNNING', 'SCHEDULED']);

export function RunPage({ runId }: { runId: string }) {
  const [query, setQuery] = useQuery();
  const tab = TABS.some((t) => t.id === query.get('tab')) ? query.get('tab')! : 'overview';
  // An active run is polled; a finished one only on reload.
  const run = useResource(() => api.tracking.getRun(runId), [runId], { every: (r) => (ACTIVE.has(r.info.status) ? 2000 : undefined) });
  const experiment = useResource(
    () => (run.data ? api.tracking.getExperiment(run.data.info.experiment_id) : Promise.resolve(undefined)),
    [run.data?.info.experiment_id],
  );

  if (run.data === undefined) {
    return run.error !== undefined ? <ErrorMessage error={run.error} onRetry={run.reload} context={`Could not load run ${runId}`} /> : <Loading what="the run" />;
  }
  const r = run.data;
  const active = ACTIVE.has(r.info.status);
  return (
    <>
      <div className="crumbs">
        <Link to="/experiments">Experiments</Link> /{' '}
        <Link to={`/experiments/${r.info.experiment_id}`}>{experiment.data?.name ?? `Experiment ${r.info.experiment_id}`}</Link> /
      </div>
      <div className="page-head">
        <h1>{r.info.run_name || r.info.run_id}</h1>
        <StatusBadge status={r.info.status} />
        <span className="muted mono">{r.info.run_id}</span>
      </div>
      {run.error !== undefined && <ErrorMessage error={run.error} context="Live updates paused" />}
      <Tabs tabs={TABS} current={tab} onChange={(id) => setQuery({ tab: id === 'overview' ? undefined : id })} label="Run views" />
      <div role="tabpanel" aria-labelledby={`tab-${tab}`}>
        {tab === 'overview' && <RunOverview run={r} />}
        {tab === 'metrics' && <RunMetrics run={r} />}
        {tab === 'artifacts' && <ArtifactBrowser runId={r.info.run_id} />}
        {tab === 'log' && <RunLog run={r} active={active} />}
      </div>
    </>
  );
}
