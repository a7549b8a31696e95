import { normalizeArtifactPath } from './paths.js';

/** The proxy's REST path, as clients build artifact URLs from a tracking URI. */
const PROXY_PATH = /^\/(?:ajax-)?api\/2\.0\/mlflow-artifacts\/artifacts(?:\/|$)/;

/**
 * Where an artifact URI points inside the proxy's store, or undefined when the URI is not served
 * by the proxy (s3://, file://, a folder, ...). Accepts `mlflow-artifacts:/p`,
 * `mlflow-artifacts://host:port/p` and `http(s)://host[/prefix]/api/2.0/mlflow-artifacts/artifacts/p`.
 */
export function proxyPathOf(uri: string): string | undefined {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(uri)?.[1]?.toLowerCase();
  if (scheme === 'mlflow-artifacts') {
    const rest = uri.slice(scheme.length + 1);
    // With an authority (//host:port/...), the path starts after it.
    const path = rest.startsWith('//') ? rest.slice(2).replace(/^[^/]*/, '') : rest;
    return normalizeArtifactPath(path.replace(/^\/+/, ''), 'artifact URI');
  }
  if (scheme === 'http' || scheme === 'https') {
    const { pathname } = new URL(uri);
    const at = pathname.search(/\/(?:ajax-)?api\/2\.0\/mlflow-artifacts\/artifacts(?:\/|$)/);
    if (at === -1) return undefined;
    const rest = pathname.slice(at).replace(PROXY_PATH, '');
    return normalizeArtifactPath(decodeURIComponent(rest), 'artifact URI');
  }
  return undefined;
}
