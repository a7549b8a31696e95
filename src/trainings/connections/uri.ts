/**
 * Connection URIs: what each type accepts, and how credentials written into a URI are taken out
 * of it (they are secrets: stored sealed, masked in reads, never in messages).
 */
import { isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ConnectionType } from './schema.js';

/** `git@github.com:org/repo.git`: ssh in scp form (no scheme, a ':' before the path). */
const SCP_LIKE = /^(?:([^@/:\s]+)@)?([^@/:\s]+):(?!\/\/)(.+)$/;
const S3_BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const GCS_BUCKET = /^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/;
const AZURE_HOST = /^([a-z0-9]{3,24})\.blob\.core\.windows\.net$/;
const ECR_HOST = /^\d{12}\.dkr\.ecr\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$/;
const REGISTRY = /^[A-Za-z0-9.-]+(:\d{1,5})?(\/[a-z0-9._/-]+)?$/;

export type GitTransport = 'ssh' | 'https' | 'http' | 'git' | 'file';

export interface GitLocation {
  transport: GitTransport;
  /** What git is given: the URI without any credentials. */
  url: string;
  /** ssh: the host and port, for the known_hosts entry. */
  host?: string;
  port?: number;
  /** The user in the URI (ssh's `git@`, or an https user name). */
  user?: string;
  /** A password or token written into the URI. */
  password?: string;
}

/** Problems with a URI for a connection type; empty when it is acceptable. Messages never repeat credentials. */
export function uriProblems(type: ConnectionType, uri: string): string[] {
  const shown = redactUri(uri);
  switch (type) {
    case 's3':
      return bucketUri(uri, 's3:', S3_BUCKET, `'${shown}' is not an S3 URI: use s3://bucket[/prefix] (bucket: 3-63 lowercase letters, digits, '.' or '-')`);
    case 'gcs':
      return bucketUri(uri, 'gs:', GCS_BUCKET, `'${shown}' is not a GCS URI: use gs://bucket[/prefix]`);
    case 'azureblob': {
      const url = parseUrl(uri);
      const ok = url?.protocol === 'https:' && AZURE_HOST.test(url.hostname) && url.pathname.split('/').filter(Boolean).length >= 1;
      return ok ? [] : [`'${shown}' is not an Azure Blob URI: use https://<account>.blob.core.windows.net/<container>[/path]`];
    }
    case 'git':
      return gitLocation(uri) ? [] : [`'${shown}' is not a git URI: use ssh://[user@]host/path, user@host:path, https://host/path, file:///path or an absolute path`];
    case 'local':
      return localFolder(uri) ? [] : [`'${shown}' is not a local folder: use an absolute path or a file:///absolute/path URI`];
    case 'http':
    case 'https': {
      const url = parseUrl(uri);
      return url?.protocol === `${type}:` && url.hostname ? [] : [`'${shown}' is not an ${type} URL: use ${type}://host/path`];
    }
    case 'docker':
      return !uri.includes('://') && REGISTRY.test(uri) ? [] : [`'${shown}' is not a registry: use host[:port][/namespace], e.g. docker.io/myorg (no scheme)`];
    case 'ecr':
      return ECR_HOST.test(uri.split('/')[0]!) && REGISTRY.test(uri)
        ? []
        : [`'${shown}' is not an ECR registry: use <account>.dkr.ecr.<region>.amazonaws.com[/repository]`];
  }
}

function bucketUri(uri: string, protocol: string, bucket: RegExp, message: string): string[] {
  const url = parseUrl(uri);
  if (!url || url.protocol !== protocol || !bucket.test(url.hostname) || url.username || url.password || url.search || url.hash) return [message];
  // The URL parser quietly resolves '..', so the check reads the URI as written.
  return hasDotDot(uri) ? [`'${redactUri(uri)}': '..' is not allowed in the path`] : [];
}

export function hasDotDot(path: string): boolean {
  return path.split('/').some((segment) => segment === '..' || safeDecode(segment) === '..');
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function parseUrl(uri: string): URL | undefined {
  try {
    return new URL(uri);
  } catch {
    return undefined;
  }
}

/** The folder a `local` connection points at, or undefined when the URI is not an absolute path. */
export function localFolder(uri: string): string | undefined {
  if (uri.startsWith('file:')) {
    try {
      return fileURLToPath(uri);
    } catch {
      return undefined;
    }
  }
  return isAbsolute(uri) && !uri.includes('\0') ? uri : undefined;
}

/** Where a git connection points and how to reach it, or undefined for something that is not a git URI. */
export function gitLocation(uri: string): GitLocation | undefined {
  const location = parseGitLocation(uri);
  // A host or user starting with '-' would reach ssh as an option (the ProxyCommand trick).
  if (location && (location.host?.startsWith('-') || location.user?.startsWith('-'))) return undefined;
  return location;
}

function parseGitLocation(uri: string): GitLocation | undefined {
  if (uri.startsWith('/')) return uri.includes('\0') ? undefined : { transport: 'file', url: uri };
  if (!uri.includes('://')) {
    const m = SCP_LIKE.exec(uri);
    if (!m) return undefined;
    const out: GitLocation = { transport: 'ssh', url: `${m[1] ? `${m[1]}@` : ''}${m[2]}:${m[3]}`, host: m[2]!, port: 22 };
    if (m[1]) out.user = m[1];
    return out;
  }
  const url = parseUrl(uri);
  if (!url) return undefined;
  const transport = url.protocol.slice(0, -1);
  if (transport === 'file') return url.host === '' && url.pathname.length > 1 ? { transport: 'file', url: uri } : undefined;
  if (!['ssh', 'https', 'http', 'git'].includes(transport) || !url.hostname || url.pathname.length <= 1) return undefined;
  const out: GitLocation = { transport: transport as GitTransport, url: '' };
  if (url.username) out.user = decodeURIComponent(url.username);
  if (url.password) out.password = decodeURIComponent(url.password);
  if (transport === 'ssh') {
    out.host = url.hostname;
    out.port = url.port ? Number(url.port) : 22;
    // ssh names the user in the URL; only a password is taken out.
    url.password = '';
  } else {
    url.username = '';
    url.password = '';
  }
  out.url = url.toString();
  return out;
}

/**
 * The credentials part of a URI that counts as secret: any userinfo holding a password, and any
 * userinfo of an http(s) URL (tokens are often written as the user name there). ssh's `git@` is not.
 */
export function splitUriCredentials(uri: string): { uri: string; credentials?: string } {
  const url = uri.includes('://') ? parseUrl(uri) : undefined;
  if (!url || (!url.username && !url.password)) return { uri };
  const web = url.protocol === 'http:' || url.protocol === 'https:';
  if (!web && !url.password) return { uri };
  const credentials = web ? `${url.username}${url.password ? `:${url.password}` : ''}` : `:${url.password}`;
  url.password = '';
  if (web) url.username = '';
  return { uri: url.toString(), credentials };
}

/** Puts credentials taken out by splitUriCredentials (or the mask) back into a URI. */
export function joinUriCredentials(uri: string, credentials: string | undefined): string {
  if (credentials === undefined) return uri;
  const url = parseUrl(uri);
  if (!url) return uri;
  const colon = credentials.indexOf(':');
  if (colon === -1) url.username = credentials;
  else {
    if (colon > 0) url.username = credentials.slice(0, colon);
    url.password = credentials.slice(colon + 1);
  }
  return url.toString();
}

/** A URI fit for messages and logs: secret credentials replaced by the mask. */
export function redactUri(uri: string): string {
  const { uri: bare, credentials } = splitUriCredentials(uri);
  if (credentials === undefined) return uri.length > 300 ? `${uri.slice(0, 300)}…` : uri;
  const url = new URL(bare);
  if (url.username) url.password = '*****';
  else url.username = '*****';
  return url.toString();
}
