/**
 * Which parts of a connection are secret, and moving them between the three forms a connection
 * takes: the full spec (decrypted read), the stored pair (plain spec + secret values), and the
 * masked spec every other read returns.
 */
import { MASK, SECRET_FIELDS, type ConnectionSpec } from './schema.js';
import { gitLocation, joinUriCredentials, splitUriCredentials } from './uri.js';

/** Secret values by name: SECRET_FIELDS plus URI_CREDENTIALS. */
export type Secrets = Record<string, string>;
/** The credentials written into the URI (`user:token@` of an https URL, an ssh password). */
export const URI_CREDENTIALS = 'uriCredentials';

export interface StoredParts {
  plain: ConnectionSpec;
  secrets: Secrets;
}

/** Splits a full spec into what is stored in the clear and what is sealed. */
export function splitSecrets(spec: ConnectionSpec): StoredParts {
  const plain: ConnectionSpec = { ...spec };
  const secrets: Secrets = {};
  for (const field of SECRET_FIELDS) {
    const value = plain[field];
    delete plain[field];
    if (value !== undefined && value !== '') secrets[field] = value;
  }
  const { uri, credentials } = splitUriCredentials(spec.uri);
  plain.uri = uri;
  if (credentials !== undefined) secrets[URI_CREDENTIALS] = credentials;
  return { plain, secrets };
}

export function joinSecrets(plain: ConnectionSpec, secrets: Secrets): ConnectionSpec {
  const spec: ConnectionSpec = { ...plain, uri: joinUriCredentials(plain.uri, secrets[URI_CREDENTIALS]) };
  for (const field of SECRET_FIELDS) if (secrets[field] !== undefined) spec[field] = secrets[field];
  return ordered(spec);
}

/** The spec as reads show it: each stored secret replaced by the mask. Needs only the secrets' names. */
export function maskSecrets(plain: ConnectionSpec, names: string[]): ConnectionSpec {
  const masked: Secrets = {};
  for (const name of names) masked[name] = name === URI_CREDENTIALS ? maskedCredentials(plain.uri) : MASK;
  return joinSecrets(plain, masked);
}

/** The mask as it appears in a URI's userinfo: the whole userinfo of a web URL, the password otherwise. */
export function maskedCredentials(uri: string): string {
  return /^https?:/i.test(uri) ? MASK : `:${MASK}`;
}

/**
 * Where a connection's credentials are sent. Stored secrets are kept across an edit only while this
 * stays the same, so changing a URL cannot redirect saved credentials to another server.
 */
export function credentialTarget(spec: ConnectionSpec): string {
  switch (spec.type) {
    case 's3':
      return `s3 ${spec.endpoint ?? 'aws'}`;
    case 'gcs':
    case 'ecr':
    case 'local':
      return spec.type;
    case 'git': {
      const git = gitLocation(spec.uri);
      return git ? `git ${git.transport} ${git.host ?? ''}:${git.port ?? ''} ${git.transport === 'http' || git.transport === 'https' ? new URL(git.url).host : ''}` : 'git';
    }
    case 'docker':
      return `docker ${spec.uri.split('/')[0]}`;
    default:
      try {
        return `${spec.type} ${new URL(spec.uri).host}`;
      } catch {
        return spec.type;
      }
  }
}

const ORDER: (keyof ConnectionSpec)[] = ['type', 'uri', 'region', 'keyID', 'keySecret', 'username', 'password', 'role', 'publicKey', 'reference', 'endpoint', 'description', 'webUILink'];

/** Fields in a stable, readable order, whatever order they were merged in. */
function ordered(spec: ConnectionSpec): ConnectionSpec {
  const out: Record<string, unknown> = {};
  for (const key of ORDER) if (spec[key] !== undefined) out[key] = spec[key];
  return out as unknown as ConnectionSpec;
}
