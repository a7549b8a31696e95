import { collect } from '../../../src/clients/pages.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading } from '../components/ErrorMessage.js';
import { KeyValueTable } from '../components/KeyValueTable.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatTime } from '../format.js';
import { Link } from '../router.js';

/** A filter string literal for the registry search grammar. */
function quoted(s: string): string {
  return s.includes("'") ? `"${s.replaceAll('"', '\\"')}"` : `'${s}'`;
}

export function ModelPage({ name }: { name: string }) {
  const model = useResource(() => api.registry.getRegisteredModel(name), [name], { every: 30_000 });
  const versions = useResource(
    () => collect(api.registry.modelVersions({ filter: `name = ${quoted(name)}`, orderBy: ['version_number DESC'], maxResults: 1000 })),
    [name],
    { every: 30_000 },
  );
  if (model.data === undefined) {
    return model.error !== undefined ? <ErrorMessage error={model.error} onRetry={model.reload} context={`Could not load model ${name}`} /> : <Loading what="the model" />;
  }
  const m = model.data;
  return (
    <>
      <div className="crumbs">
        <Link to="/models">Models</Link> /
      </div>
      <div className="page-head">
        <h1>{m.name}</h1>
      </div>
      {m.description && <div className="panel">{m.description}</div>}
      <KeyValueTable
        label="Model"
        empty=""
        entries={[
          { key: 'Created', value: formatTime(m.creation_timestamp) },
          { key: 'Last updated', value: formatTime(m.last_updated_timestamp) },
          { key: 'Aliases', value: (m.aliases ?? []).map((a) => `@${a.alias} → v${a.version}`).join(', ') || '—' },
          ...(m.tags ?? []).map((t) => ({ key: `tag ${t.key}`, value: t.value })),
        ]}
      />
      <h2>Versions</h2>
      {versions.error !== undefined && <ErrorMessage error={versions.error} onRetry={versions.reload} context="Could not load versions" />}
      {versions.data === undefined && versions.error === undefined && <Loading what="versions" />}
      {versions.data && (
        <table className="data" aria-label="Model versions">
          <thead>
            <tr>
              <th>Version</th>
              <th>Stage</th>
              <th>Aliases</th>
              <th>Status</th>
              <th>Source run</th>
              <th>Created</th>
              <th>Source</th>
            </tr>
          </thead>
          <tbody>
            {versions.data.map((v) => (
              <tr key={v.version}>
                <td>v{v.version}</td>
                <td>{v.current_stage}</td>
                <td className="mono">{(v.aliases ?? []).map((a) => `@${a}`).join(' ') || '—'}</td>
                <td>
                  <StatusBadge status={v.status} />
                </td>
                <td>{v.run_id ? <Link to={`/runs/${v.run_id}`}>{v.run_id.slice(0, 12)}</Link> : '—'}</td>
                <td>{formatTime(v.creation_timestamp)}</td>
                <td className="mono" style={{ wordBreak: 'break-all' }}>
                  {v.source}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
