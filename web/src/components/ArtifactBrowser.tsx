import { api } from '../api/client.js';
import { useResource } from '../api/use-resource.js';
import { formatBytes } from '../format.js';
import { useQuery } from '../router.js';
import { ArtifactPreview } from './ArtifactPreview.js';
import { ErrorMessage, Loading } from './ErrorMessage.js';

/** A run's artifacts folder by folder; the open folder and file are in the URL. */
export function ArtifactBrowser({ runId }: { runId: string }) {
  const [query, setQuery] = useQuery();
  const dir = query.get('dir') ?? '';
  const file = query.get('file') ?? '';
  const listing = useResource(() => api.tracking.listArtifacts(runId, dir || undefined), [runId, dir]);
  const parts = dir ? dir.split('/') : [];
  const entries = (listing.data?.files ?? []).slice().sort((a, b) => Number(b.is_dir) - Number(a.is_dir) || a.path.localeCompare(b.path));
  const selected = entries.find((e) => e.path === file);

  return (
    <div className="grid-2" style={{ gridTemplateColumns: 'minmax(240px, 1fr) 3fr' }}>
      <nav className="panel" aria-label="Artifact files">
        <div className="crumbs">
          <button type="button" className="linklike" onClick={() => setQuery({ dir: undefined, file: undefined })}>
            artifacts
          </button>
          {parts.map((p, i) => (
            <span key={i}>
              {' / '}
              <button type="button" className="linklike" onClick={() => setQuery({ dir: parts.slice(0, i + 1).join('/'), file: undefined })}>
                {p}
              </button>
            </span>
          ))}
        </div>
        {listing.error !== undefined && <ErrorMessage error={listing.error} onRetry={listing.reload} context="Could not list artifacts" />}
        {listing.data === undefined && listing.error === undefined && <Loading what="artifacts" />}
        {listing.data && entries.length === 0 && <p className="muted">No artifacts{dir ? ' in this folder' : ''}.</p>}
        <ul className="file-list">
          {entries.map((e) => {
            const name = e.path.slice(e.path.lastIndexOf('/') + 1);
            return (
              <li key={e.path}>
                <button
                  type="button"
                  className="linklike"
                  aria-current={e.path === file ? 'true' : undefined}
                  onClick={() => setQuery(e.is_dir ? { dir: e.path, file: undefined } : { file: e.path })}
                >
                  <FileIcon dir={e.is_dir} />
                  {name}
                  {e.is_dir ? '/' : ''}
                </button>
                {!e.is_dir && <span className="muted"> {formatBytes(e.file_size)}</span>}
              </li>
            );
          })}
        </ul>
      </nav>
      <section className="panel" aria-label="Artifact preview" style={{ minWidth: 0 }}>
        {file ? <ArtifactPreview runId={runId} path={file} size={selected?.file_size} /> : <p className="muted">Choose a file to preview it.</p>}
      </section>
    </div>
  );
}

/** Drawn, not an emoji: servers and CI machines often have no emoji font. */
function FileIcon({ dir }: { dir: boolean }) {
  return (
    <svg width={14} height={14} viewBox="0 0 14 14" aria-hidden="true" style={{ marginRight: 6, verticalAlign: -2 }}>
      {dir ? (
        <path d="M1 3.5h4l1.5 1.5H13v6.5H1z" fill="none" stroke="currentColor" strokeWidth={1.2} />
      ) : (
        <path d="M3 1h5l3 3v9H3zM8 1v3h3" fill="none" stroke="currentColor" strokeWidth={1.2} />
      )}
    </svg>
  );
}
