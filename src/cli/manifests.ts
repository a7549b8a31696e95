/**
 * Reading the files given with `-f`: YAML or JSON, one or several documents (`---`, a JSON array,
 * or a `{items: [...]}` list as `get -o yaml|json` prints it), each a ModelTraining or a Connection.
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { CliError } from './errors.js';

export type ManifestKind = 'ModelTraining' | 'Connection';
export const MANIFEST_KINDS: readonly ManifestKind[] = ['ModelTraining', 'Connection'];

export interface ManifestDocument {
  kind: ManifestKind;
  /** The document as written (the service validates it). */
  body: Record<string, unknown>;
  /** The id it names, when it names one. */
  id: string | undefined;
  /** "file.yaml" or "file.yaml, document 2": where an error about it points. */
  where: string;
  /** The manifest file's folder: relative source paths start there. */
  baseDir: string;
}

/**
 * Every document in `file`. A document without `kind` is taken to be `defaultKind` (the kind of
 * the command it was given to).
 */
export function readManifests(file: string, defaultKind: ManifestKind): ManifestDocument[] {
  const path = resolve(file);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'it is a folder, not a file' : (err as Error).message;
    throw new CliError(`Cannot read '${file}': ${why}`);
  }
  const values = parseFile(text, file);
  const flat = values.flatMap((v) => (isList(v) ? v.items : Array.isArray(v) ? v : [v]));
  if (flat.length === 0) throw new CliError(`'${file}' holds no manifest`);
  return flat.map((value, i) => {
    const where = flat.length === 1 ? file : `${file}, document ${i + 1}`;
    if (value === null || typeof value !== 'object' || Array.isArray(value)) {
      throw new CliError(`${where}: expected a mapping with kind, id and spec`);
    }
    const body = value as Record<string, unknown>;
    const kind = body.kind ?? defaultKind;
    if (!MANIFEST_KINDS.includes(kind as ManifestKind)) {
      throw new CliError(`${where}: kind '${String(kind)}' is not one Trainyard knows (${MANIFEST_KINDS.join(', ')})`);
    }
    const id = typeof body.id === 'string' ? body.id : undefined;
    return { kind: kind as ManifestKind, body, id, where: id ? `${where} (${kind as string} '${id}')` : where, baseDir: dirname(path) };
  });
}

/** The documents of one kind; a file with none of them is a mistake worth saying. */
export function documentsOf(docs: ManifestDocument[], kind: ManifestKind, file: string): ManifestDocument[] {
  const picked = docs.filter((d) => d.kind === kind);
  if (picked.length === 0) throw new CliError(`'${file}' holds no ${kind}`);
  return picked;
}

function parseFile(text: string, file: string): unknown[] {
  const docs = parseAllDocuments(text, { prettyErrors: true });
  // parseAllDocuments returns an EmptyStream (not an array) for a file without content.
  if (!Array.isArray(docs)) return [];
  const values: unknown[] = [];
  for (const doc of docs) {
    const error = doc.errors[0];
    if (error) {
      const line = error.linePos?.[0];
      throw new CliError(`${file}${line ? `:${line.line}:${line.col}` : ''}: not valid YAML or JSON: ${error.message.split('\n')[0]}`);
    }
    const value: unknown = doc.toJS();
    if (value !== null && value !== undefined) values.push(value);
  }
  return values;
}

function isList(value: unknown): value is { items: unknown[] } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const keys = Object.keys(value);
  const list = value as { items?: unknown; kind?: unknown };
  return Array.isArray(list.items) && (list.kind === undefined || list.kind === 'List') && keys.every((k) => k === 'items' || k === 'kind');
}
