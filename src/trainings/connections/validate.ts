/**
 * Checks a submitted Connection: the schema, then the rules of its type. Every problem is collected
 * into one INVALID_PARAMETER_VALUE error naming each field; no message repeats a secret.
 */
import { ProblemList } from '../../errors.js';
import { schemaProblems } from '../manifest/validate.js';
import { CONNECTION_TYPES, ConnectionSchema, MASK, type ConnectionInput, type ConnectionSpec, type ConnectionType } from './schema.js';
import { knownHostsText, privateKeyText } from './ssh-keys.js';
import { gitLocation, redactUri, splitUriCredentials, uriProblems } from './uri.js';

export interface ValidatedConnection {
  id: string;
  spec: ConnectionSpec;
}

const GIT_ONLY = ['reference', 'publicKey'] as const;
const OPTIONAL_TEXT = ['region', 'keyID', 'keySecret', 'password', 'username', 'role', 'publicKey', 'reference', 'description', 'webUILink', 'endpoint'] as const;

export function validateConnection(input: unknown): ValidatedConnection {
  const problems = new ProblemList();
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    problems.add('(connection)', 'expected a mapping with id and spec');
    problems.throwIfAny('Invalid Connection');
  }
  schemaProblems(ConnectionSchema, input, problems);
  // The type's rules run even after structural problems, on whatever has the right shape, so one
  // response lists every mistake.
  const spec = tolerantSpec((input as { spec?: unknown }).spec);
  if (spec) typeRules(spec, problems);
  problems.throwIfAny('Invalid Connection');
  return { id: (input as ConnectionInput).id, spec: spec! };
}

function tolerantSpec(raw: unknown): ConnectionSpec | undefined {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) return undefined;
  const s = raw as Record<string, unknown>;
  if (!(CONNECTION_TYPES as readonly unknown[]).includes(s.type) || typeof s.uri !== 'string') return undefined;
  const spec: ConnectionSpec = { type: s.type as ConnectionType, uri: s.uri.trim() };
  // Empty text is "not given", as in Odahu's Go structs; for secrets it also means "clear it" in an edit.
  for (const key of OPTIONAL_TEXT) {
    const value = s[key];
    if (typeof value === 'string' && (value !== '' || key === 'keySecret' || key === 'password')) spec[key] = value;
  }
  return spec;
}

function typeRules(spec: ConnectionSpec, problems: ProblemList): void {
  for (const message of uriProblems(spec.type, spec.uri)) problems.add('spec.uri', message);
  if (spec.type !== 'git') {
    for (const key of GIT_ONLY) if (spec[key] !== undefined) problems.add(`spec.${key}`, `only for git connections, not ${spec.type}`);
  }
  if (spec.endpoint !== undefined) {
    if (spec.type !== 's3') problems.add('spec.endpoint', `only for s3 connections, not ${spec.type}`);
    else if (!isWebUrl(spec.endpoint)) problems.add('spec.endpoint', `'${redactUri(spec.endpoint)}' is not an http(s) URL`);
    else if (splitUriCredentials(spec.endpoint).credentials !== undefined) problems.add('spec.endpoint', 'credentials go in keyID and keySecret, not in the endpoint URL');
  }
  if (spec.webUILink !== undefined && !isWebUrl(spec.webUILink)) problems.add('spec.webUILink', `'${redactUri(spec.webUILink)}' is not an http(s) URL`);
  if (spec.type === 'git') gitRules(spec, problems);
  if (spec.type === 'local' && (spec.keySecret || spec.password)) problems.add('spec.keySecret', 'a local connection has no credentials');
}

function gitRules(spec: ConnectionSpec, problems: ProblemList): void {
  const location = gitLocation(spec.uri);
  if (!location) return;
  const given = (v: string | undefined): v is string => v !== undefined && v !== '' && v !== MASK;
  if (location.transport === 'ssh') {
    if (given(spec.keySecret) && !privateKeyText(spec.keySecret)) {
      problems.add('spec.keySecret', 'for an ssh URI, the private key (-----BEGIN ... PRIVATE KEY-----), plain or base64-encoded');
    }
    if (spec.publicKey === undefined) {
      problems.add('spec.publicKey', `required for an ssh URI: the server's host key, e.g. the output of \`ssh-keyscan ${location.host ?? 'HOST'}\``);
    } else if (!knownHostsText(spec.publicKey, location.host ?? '', location.port)) {
      problems.add('spec.publicKey', 'not a host key: give known_hosts lines as ssh-keyscan prints them ("host ssh-ed25519 AAAA..."), plain or base64-encoded');
    }
  } else if (spec.publicKey !== undefined) {
    problems.add('spec.publicKey', `only for ssh URIs; this one uses ${location.transport}`);
  }
}

function isWebUrl(s: string): boolean {
  try {
    const url = new URL(s);
    return (url.protocol === 'http:' || url.protocol === 'https:') && url.hostname !== '';
  } catch {
    return false;
  }
}
