import { collect } from '../../../src/clients/pages.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading } from '../components/ErrorMessage.js';
import { formatTime } from '../format.js';
import { Link } from '../router.js';

export function ModelsPage() {
  const res = useResource(() => collect(api.registry.registeredModels({ maxResults: 1000 })), [], { every: 30_000 });
  return (
    <>
      <div className="page-head">
        <h1>Registered models</h1>
      </div>
      {res.error !== undefined && <ErrorMessage error={res.error} onRetry={res.reload} context="Could not load models" />}
      {res.data === undefined && res.error === undefined && <Loading what="models" />}
      {res.data && res.data.length === 0 && <p className="muted">No registered models yet. A succeeded training registers its model here.</p>}
      {res.data && res.data.length > 0 && (
        <table className="data" aria-label="Registered models">
          <thead>
            <tr>
              <th>Name</th>
              <th>Latest versions</th>
              <th>Aliases</th>
              <th>Last updated</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((m) => (
              <tr key={m.name}>
                <td>
                  <Link to={`/models/${encodeURIComponent(m.name)}`}>{m.name}</Link>
                </td>
                <td>{(m.latest_versions ?? []).map((v) => `v${v.version} (${v.current_stage})`).join(', ') || '—'}</td>
                <td className="mono">{(m.aliases ?? []).map((a) => `@${a.alias} → v${a.version}`).join(', ') || '—'}</td>
                <td>{formatTime(m.last_updated_timestamp)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </>
  );
}
