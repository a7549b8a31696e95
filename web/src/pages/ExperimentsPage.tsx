import { useMemo } from 'react';
import { collect } from '../../../src/clients/pages.js';
import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading } from '../components/ErrorMessage.js';
import { formatTime } from '../format.js';
import { Link, useQuery } from '../router.js';

export function ExperimentsPage() {
  const [query, setQuery] = useQuery();
  const text = query.get('q') ?? '';
  const res = useResource(() => collect(api.tracking.experiments({ orderBy: ['last_update_time DESC'] })), [], { every: 15_000 });
  const shown = useMemo(() => {
    const needle = text.trim().toLowerCase();
    return (res.data ?? []).filter((e) => !needle || e.name.toLowerCase().includes(needle) || e.experiment_id === needle);
  }, [res.data, text]);

  return (
    <>
      <div className="page-head">
        <h1>Experiments</h1>
        <span className="muted">{res.data ? `${res.data.length} experiment${res.data.length === 1 ? '' : 's'}` : ''}</span>
        <span className="spacer" />
        <input
          type="search"
          aria-label="Filter experiments by name"
          placeholder="Filter by name"
          value={text}
          onChange={(e) => setQuery({ q: e.target.value })}
        />
      </div>
      {res.error !== undefined && <ErrorMessage error={res.error} onRetry={res.reload} context="Could not load experiments" />}
      {res.data === undefined && res.error === undefined && <Loading what="experiments" />}
      {res.data && (
        <table className="data" aria-label="Experiments">
          <thead>
            <tr>
              <th>Name</th>
              <th>ID</th>
              <th>Created</th>
              <th>Last updated</th>
            </tr>
          </thead>
          <tbody>
            {shown.map((e) => (
              <tr key={e.experiment_id}>
                <td>
                  <Link to={`/experiments/${encodeURIComponent(e.experiment_id)}`}>{e.name}</Link>
                </td>
                <td className="mono">{e.experiment_id}</td>
                <td>{formatTime(e.creation_time)}</td>
                <td>{formatTime(e.last_update_time)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {res.data && shown.length === 0 && <p className="muted">{text ? 'No experiment matches.' : 'No experiments yet. Log a run to create one.'}</p>}
    </>
  );
}
