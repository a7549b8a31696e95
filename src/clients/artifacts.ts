/**
 * Client for the artifact proxy (`/api/2.0/mlflow-artifacts/artifacts`), which serves the files
 * behind `mlflow-artifacts:/` URIs. Bodies stream both ways. Browser-safe: the helpers that work
 * with local files and Node streams are in artifacts-fs.ts.
 */
import { HttpClient, type HttpClientOptions, type RawBody } from './http.js';

const PROXY = '/api/2.0/mlflow-artifacts/artifacts';

/** One entry of a proxy listing: `path` is the entry's name inside the listed folder. */
export interface ProxyFileInfo {
  path: string;
  is_dir: boolean;
  file_size?: number;
}

/** A file found by `walk`, with its path relative to the folder walked. */
export interface WalkedFile {
  path: string;
  size?: number;
}

export class ArtifactsClient {
  readonly http: HttpClient;

  constructor(http: HttpClient | HttpClientOptions | string) {
    this.http = http instanceof HttpClient ? http : new HttpClient(http);
  }

  /**
   * The entries directly inside a folder. A missing folder, and a path that is a file, both list
   * as empty: that is how MLflow's clients tell files from folders.
   */
  async list(path = ''): Promise<ProxyFileInfo[]> {
    const res = await this.http.get<{ files?: ProxyFileInfo[] }>(PROXY, { path: cleanPath(path) || undefined });
    return (res.files ?? []).slice().sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  }

  /** Writes one file, replacing what was there. A stream body is sent as it is read, once (no retry). */
  async upload(path: string, body: RawBody, options: { contentType?: string; contentLength?: number } = {}): Promise<void> {
    const headers: Record<string, string> = { 'content-type': options.contentType ?? 'application/octet-stream' };
    if (options.contentLength !== undefined) headers['content-length'] = String(options.contentLength);
    const res = await this.http.send('PUT', fileUrlPath(path), { body, headers });
    await res.body?.cancel();
  }

  /** Opens a file for reading; the caller consumes (or cancels) the stream. */
  async download(path: string, signal?: AbortSignal): Promise<{ body: ReadableStream<Uint8Array>; size?: number; contentType?: string }> {
    const res = await this.http.send('GET', fileUrlPath(path), { signal });
    const length = res.headers.get('content-length');
    return {
      body: res.body ?? new ReadableStream<Uint8Array>({ start: (c) => c.close() }),
      size: length === null ? undefined : Number(length),
      contentType: res.headers.get('content-type') ?? undefined,
    };
  }

  /** A whole (small) file as bytes. */
  async readBytes(path: string): Promise<Uint8Array> {
    const res = await this.http.send('GET', fileUrlPath(path));
    return new Uint8Array(await res.arrayBuffer());
  }

  async readText(path: string): Promise<string> {
    return new TextDecoder().decode(await this.readBytes(path));
  }

  /** Removes a file or a whole folder. */
  async delete(path: string): Promise<void> {
    await this.http.delete(fileUrlPath(path));
  }

  /** Every file below a folder, depth first in name order; paths are relative to `root`. */
  walk(root: string): AsyncGenerator<WalkedFile> {
    return this.walkFrom(cleanPath(root), '');
  }

  private async *walkFrom(base: string, rel: string): AsyncGenerator<WalkedFile> {
    for (const e of await this.list(joinArtifactPath(base, rel))) {
      const child = joinArtifactPath(rel, baseName(e.path));
      if (e.is_dir) yield* this.walkFrom(base, child);
      else yield e.file_size === undefined ? { path: child } : { path: child, size: e.file_size };
    }
  }
}

/**
 * The proxy path behind an artifact URI: `mlflow-artifacts:/0/<run>/artifacts` (optionally with
 * a host) or a full `http(s)://…/api/2.0/mlflow-artifacts/artifacts/…` URL → `0/<run>/artifacts`.
 */
export function artifactProxyPath(artifactUri: string): string {
  const proxied = /^mlflow-artifacts:(?:\/\/[^/]*)?(\/.*)?$/.exec(artifactUri);
  if (proxied) return cleanPath(proxied[1] ?? '');
  const marker = `${PROXY}/`;
  if (/^https?:\/\//.test(artifactUri)) {
    const path = new URL(artifactUri).pathname;
    const at = path.indexOf(marker);
    if (at >= 0) return cleanPath(path.slice(at + marker.length).split('/').map(decodeURIComponent).join('/'));
  }
  throw new TypeError(
    `Artifact URI '${artifactUri}' is not served by the artifact proxy; only mlflow-artifacts:/ URIs (the server's default) can be reached through it`,
  );
}

/** Joins artifact path pieces with single slashes, dropping empty pieces. */
export function joinArtifactPath(...parts: string[]): string {
  return parts.map(cleanPath).filter((p) => p !== '').join('/');
}

/**
 * Trims and collapses slashes. '.' and '..' segments are refused here because a URL would resolve
 * them silently and send the request to another path than the one asked for.
 */
export function cleanPath(path: string): string {
  const segments = path.split('/').filter((s) => s !== '');
  for (const s of segments) {
    if (s === '.' || s === '..' || s.includes('\\') || s.includes('\0')) {
      throw new TypeError(`Invalid artifact path '${path}': '.', '..', backslashes and NUL are not allowed`);
    }
  }
  return segments.join('/');
}

function fileUrlPath(path: string): string {
  const clean = cleanPath(path);
  if (clean === '') throw new TypeError('An artifact file path is required');
  return `${PROXY}/${clean.split('/').map(encodeURIComponent).join('/')}`;
}

function baseName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? path : path.slice(i + 1);
}
