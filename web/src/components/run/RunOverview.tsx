import type { Run } from '../../../../src/tracking/entities.js';
import { api } from '../../api/client.js';
import { useResource } from '../../api/use-resource.js';
import { formatDuration, formatNumber, formatTime } from '../../format.js';
import { Link } from '../../router.js';
import { ErrorMessage } from '../ErrorMessage.js';
import { KeyValueTable } from '../KeyValueTable.js';
import { runRow } from '../run-columns.js';
import { StatusBadge } from '../StatusBadge.js';

const PARENT_TAG = 'mlflow.parentRunId';

/** Status, times, source and lineage; then params, latest metrics and tags. */
export function RunOverview({ run }: { run: Run }) {
  const { info } = run;
  const { tags, params, metrics } = runRow(run);
  const parentId = tags.get(PARENT_TAG);
  const children = useResource(
    async () =>
      (
        await api.tracking.searchRuns({
          experimentIds: [info.experiment_id],
          filter: `tags.\`${PARENT_TAG}\` = '${info.run_id}'`,
          orderBy: ['attributes.start_time ASC'],
          maxResults: 200,
        })
      ).items,
    [info.run_id, info.status],
  );
  const trainingId = tags.get('training_id');
  const commit = tags.get('mlflow.source.git.commit');
  const source = tags.get('mlflow.source.name');

  const overview = [
    { key: 'Status', value: <StatusBadge status={info.status} /> },
    { key: 'Started', value: formatTime(info.start_time) },
    { key: 'Ended', value: formatTime(info.end_time) },
    { key: 'Duration', value: formatDuration(info.end_time ? info.end_time - info.start_time : Date.now() - info.start_time) },
    { key: 'User', value: info.user_id || '—' },
    { key: 'Source', value: source ? `${source}${tags.get('mlflow.source.type') ? ` (${tags.get('mlflow.source.type')})` : ''}` : '—' },
    { key: 'Git commit', value: commit ?? '—' },
    { key: 'Artifact location', value: info.artifact_uri },
  ];
  if (parentId) overview.push({ key: 'Parent run', value: <Link to={`/runs/${parentId}`}>{parentId}</Link> });
  if (trainingId) overview.push({ key: 'Training', value: <Link to={`/trainings/${encodeURIComponent(trainingId)}`}>{trainingId}</Link> });
  const description = tags.get('mlflow.note.content');

  const userTags = [...tags].filter(([k]) => !k.startsWith('mlflow.'));
  const systemTags = [...tags].filter(([k]) => k.startsWith('mlflow.'));
  const byKey = <T,>(a: [string, T], b: [string, T]) => a[0].localeCompare(b[0]);
  return (
    <div className="stack">
      {description && <div className="panel">{description}</div>}
      <div className="grid-2">
        <section>
          <h2>Overview</h2>
          <KeyValueTable label="Run overview" entries={overview} empty="" />
          <h2>Child runs</h2>
          {children.error !== undefined && <ErrorMessage error={children.error} context="Could not load child runs" />}
          {children.data && children.data.length === 0 && <p className="muted">None.</p>}
          {children.data && children.data.length > 0 && (
            <ul aria-label="Child runs">
              {children.data.map((c) => (
                <li key={c.info.run_id}>
                  <Link to={`/runs/${c.info.run_id}`}>{c.info.run_name || c.info.run_id}</Link> <StatusBadge status={c.info.status} />
                </li>
              ))}
            </ul>
          )}
        </section>
        <section>
          <h2>Parameters</h2>
          <KeyValueTable label="Parameters" entries={[...params].sort(byKey).map(([key, value]) => ({ key, value }))} empty="No parameters." />
          <h2>Metrics (latest)</h2>
          <KeyValueTable label="Latest metrics" entries={[...metrics].sort(byKey).map(([key, v]) => ({ key, value: formatNumber(v) }))} empty="No metrics." />
        </section>
      </div>
      <section>
        <h2>Tags</h2>
        <KeyValueTable label="Tags" entries={userTags.sort(byKey).map(([key, value]) => ({ key, value }))} empty="No tags." />
        {systemTags.length > 0 && (
          <details>
            <summary>System tags ({systemTags.length})</summary>
            <KeyValueTable label="System tags" entries={systemTags.sort(byKey).map(([key, value]) => ({ key, value }))} empty="" />
          </details>
        )}
      </section>
    </div>
  );
}
