/**
 * Applying the documents of a manifest file: create, edit, or create-or-edit ("upsert", what a
 * local run does), with --ignore-if-exists / --ignore-not-found. Errors name the document.
 */
import type { TrainyardApi } from './api.js';
import { inDocument, isAlreadyExists, isNotFound } from './errors.js';
import type { ManifestDocument } from './manifests.js';

export type ApplyMode = 'create' | 'edit' | 'upsert';
export type Applied = 'created' | 'edited' | 'exists' | 'deleted' | 'not found';

export interface ApplyResult {
  kind: ManifestDocument['kind'];
  id: string;
  applied: Applied;
}

export async function applyDocument(api: TrainyardApi, doc: ManifestDocument, mode: ApplyMode, ignoreIfExists = false): Promise<ApplyResult> {
  const connection = doc.kind === 'Connection';
  const create = async () => {
    const r = connection ? await api.createConnection(doc.body) : await api.createTraining({ manifest: doc.body, baseDir: doc.baseDir });
    return { kind: doc.kind, id: r.id, applied: 'created' as const };
  };
  const edit = async () => {
    const r = connection ? await api.editConnection(doc.body) : await api.editTraining({ manifest: doc.body, baseDir: doc.baseDir });
    return { kind: doc.kind, id: r.id, applied: 'edited' as const };
  };
  try {
    if (mode === 'edit') return await edit();
    if (mode === 'create') return await create();
    // Decided by looking first: validation errors then come from the call that will be made.
    const exists = doc.id !== undefined && (await found(() => (connection ? api.getConnection(doc.id!) : api.getTraining(doc.id!))));
    return exists ? await edit() : await create();
  } catch (err) {
    if (mode === 'create' && ignoreIfExists && isAlreadyExists(err) && doc.id !== undefined) return { kind: doc.kind, id: doc.id, applied: 'exists' };
    throw inDocument(err, doc.where);
  }
}

export async function deleteResource(api: TrainyardApi, kind: ManifestDocument['kind'], id: string, ignoreNotFound: boolean): Promise<ApplyResult> {
  try {
    if (kind === 'Connection') await api.deleteConnection(id);
    else await api.deleteTraining(id);
    return { kind, id, applied: 'deleted' };
  } catch (err) {
    if (ignoreNotFound && isNotFound(err)) return { kind, id, applied: 'not found' };
    throw err;
  }
}

/** "training quickstart created", "connection data already exists (ignored)". */
export function describe(r: ApplyResult): string {
  const noun = r.kind === 'Connection' ? 'connection' : 'training';
  const what = r.applied === 'exists' ? 'already exists (ignored: --ignore-if-exists)' : r.applied === 'not found' ? 'does not exist (ignored: --ignore-not-found)' : r.applied;
  return `${noun} ${r.id} ${what}`;
}

async function found(get: () => Promise<unknown>): Promise<boolean> {
  try {
    await get();
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}
