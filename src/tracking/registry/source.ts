/**
 * Where a model version's files are: checking the `source` a client registers, and resolving it to
 * the location that get-download-uri hands out.
 */
import { posix, relative, resolve as resolvePath, isAbsolute } from 'node:path';
import { fileURLToPath } from 'node:url';
import { invalid, notFound } from '../../errors.js';
import type { Executor } from '../../store/open.js';
import { DELETED_STAGE } from './validation.js';

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]*):(\/\/[^/?#]*)?([^?#]*)/;

/** A path or file: URI on the server's own disk (a one-letter scheme is a Windows drive). */
export function isLocalSource(source: string): boolean {
  const scheme = SCHEME.exec(source)?.[1];
  if (scheme === undefined || scheme.length === 1) return true;
  if (scheme.toLowerCase() !== 'file') return false;
  const authority = SCHEME.exec(source)?.[2];
  return authority === undefined || authority === '//' || authority === '//localhost';
}

/**
 * Refuses sources that could point somewhere other than they seem. A local path must lie inside
 * the artifact root of the run (or logged model) it is registered from; any other URI must be an
 * absolute path with no `..`, `.` or NUL, even after repeated percent-decoding.
 */
export function validateSource(source: string, localRoot: string | undefined): void {
  if (isLocalSource(source)) {
    if (localRoot === undefined || !contains(localRoot, source)) {
      throw invalid(
        `Invalid model version source: '${source}'. To use a local path as a model version source, the run_id request parameter has to be specified and the local path has to be contained within the artifact directory of the run specified by the run_id.`,
      );
    }
    return;
  }
  let decoded = source;
  for (let i = 0; i < 10; i++) {
    const next = decodeOnce(decoded);
    if (next === decoded) break;
    decoded = next;
  }
  const path = (SCHEME.exec(decoded)?.[3] ?? '').replace(/\/+/g, '/').replace(/\/+$/, '');
  const ok =
    !decoded.includes('\0') &&
    !decoded.split('/').includes('..') &&
    path.startsWith('/') &&
    posix.normalize(path) === path;
  if (!ok) {
    throw invalid(
      `Invalid model version source: '${source}'. If supplying a source as an http, https, local file path, ftp, objectstore, or mlflow-artifacts uri, an absolute path must be provided without relative path references present. Please provide an absolute path.`,
    );
  }
}

function decodeOnce(s: string): string {
  try {
    return decodeURIComponent(s.replaceAll('+', ' '));
  } catch {
    return s;
  }
}

/** Whether a local source lies inside a local artifact root (both paths or file: URIs). */
function contains(root: string, source: string): boolean {
  if (!isLocalSource(root)) return false;
  const rootPath = localPath(root);
  const sourcePath = localPath(source);
  if (rootPath === undefined || sourcePath === undefined) return false;
  const rel = relative(rootPath, sourcePath);
  return !rel.startsWith('..') && !isAbsolute(rel);
}

function localPath(uri: string): string | undefined {
  try {
    return uri.toLowerCase().startsWith('file:') ? fileURLToPath(uri) : resolvePath(uri);
  } catch {
    return undefined;
  }
}

export interface ResolvedSource {
  storageLocation: string;
  /** The run the files came from, when the source names a logged model that knows it. */
  runId?: string;
}

/**
 * `models:/<model_id>` is the logged model's artifact location; `models:/<name>/<version>` and
 * `models:/<name>@<alias>` are that version's location; anything else is stored as it is.
 */
export async function resolveStorageLocation(db: Executor, source: string): Promise<ResolvedSource> {
  const match = /^models:\/*(.+)$/i.exec(source);
  if (!match) return { storageLocation: source };
  const ref = match[1]!.replace(/\/+$/, '');
  const unable = (why: string) => invalid(`Unable to fetch model from model URI source artifact location '${source}'. Error: ${why}`);
  const slash = ref.lastIndexOf('/');
  const at = ref.lastIndexOf('@');
  if (slash < 0 && at < 0) {
    const model = await db
      .selectFrom('logged_models')
      .select(['artifact_location', 'source_run_id'])
      .where('model_id', '=', ref)
      .executeTakeFirst();
    if (!model) throw unable(`Logged model with ID '${ref}' not found.`);
    const out: ResolvedSource = { storageLocation: model.artifact_location };
    if (model.source_run_id) out.runId = model.source_run_id;
    return out;
  }
  let name: string;
  let version: number;
  if (at > slash) {
    name = ref.slice(0, at);
    const alias = ref.slice(at + 1);
    const row = await db.selectFrom('registered_model_aliases').select('version').where('name', '=', name).where('alias', '=', alias).executeTakeFirst();
    if (!row) throw unable(`Registered model alias ${alias} not found.`);
    version = row.version;
  } else {
    name = ref.slice(0, slash);
    const v = ref.slice(slash + 1);
    if (!/^\d{1,15}$/.test(v)) throw unable(`'${v}' is not a version number; register from models:/<name>/<version>, models:/<name>@<alias> or models:/<model_id>.`);
    version = Number(v);
  }
  const row = await db
    .selectFrom('model_versions')
    .select(['source', 'storage_location'])
    .where('name', '=', name)
    .where('version', '=', version)
    .where('current_stage', '!=', DELETED_STAGE)
    .executeTakeFirst();
  if (!row) throw unable(`Model Version (name=${name}, version=${version}) not found`);
  return { storageLocation: row.storage_location ?? row.source };
}

/** The artifact root a local source must lie in: the run's, or the logged model's. */
export async function localRootFor(db: Executor, runId: string | undefined, modelId: string | undefined): Promise<string | undefined> {
  if (runId) {
    const run = await db.selectFrom('runs').select('artifact_uri').where('run_uuid', '=', runId).executeTakeFirst();
    if (!run) throw notFound(`Run with id=${runId} not found`);
    return run.artifact_uri;
  }
  if (modelId) {
    const model = await db.selectFrom('logged_models').select('artifact_location').where('model_id', '=', modelId).executeTakeFirst();
    return model?.artifact_location;
  }
  return undefined;
}
