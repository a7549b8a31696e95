import { v1 } from '../api/client.js';
import { isMissingApi } from '../api/errors.js';
import { useResource } from '../api/use-resource.js';
import { ErrorMessage, Loading, Unavailable } from '../components/ErrorMessage.js';
import { formatTime } from '../format.js';

/** Connections as the API lists them: secrets arrive masked and are never asked for here. */
export function ConnectionsPage() {
  const res = useResource(() => v1.listConnections(), [], { every: 30_000 });
  if (isMissingApi(res.error)) return <Unavailable feature="Connections" />;
  return (
    <>
      <div className="page-head">
        <h1>Connections</h1>
        <span className="muted">Secrets are stored encrypted and shown masked.</span>
      </div>
      {res.error !== undefined && <ErrorMessage error={res.error} onRetry={res.reload} context="Could not load connections" />}
      {res.data === undefined && res.error === undefined && <Loading what="connections" />}
      {res.data && res.data.length === 0 && <p className="muted">No connections yet. Create one with `trainyard connection create -f FILE`.</p>}
      {res.data && res.data.length > 0 && (
        <table className="data" aria-label="Connections">
          <thead>
            <tr>
              <th>ID</th>
              <th>Type</th>
              <th>URI</th>
              <th>Details</th>
              <th>Updated</th>
            </tr>
          </thead>
          <tbody>
            {res.data.map((c) => {
              const { type, uri, description, ...rest } = c.spec as unknown as Record<string, unknown>;
              return (
                <tr key={c.id}>
                  <td className="mono">{c.id}</td>
                  <td>{String(type ?? '')}</td>
                  <td className="mono" style={{ wordBreak: 'break-all' }}>
                    {String(uri ?? '')}
                  </td>
                  <td className="mono">
                    {description ? <div>{String(description)}</div> : null}
                    {Object.entries(rest)
                      .filter(([, v]) => v !== undefined && v !== '')
                      .map(([k, v]) => (
                        <div key={k}>
                          {k}: {typeof v === 'string' ? v : JSON.stringify(v)}
                        </div>
                      ))}
                  </td>
                  <td>{formatTime(c.updatedAt)}</td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </>
  );
}
