/**
 * Data bindings: each copies what its connection (and remotePath) points at into
 * `<workDir>/<localPath>` before the training starts. Any failure names the binding (index and
 * localPath), the connection and the full remote path, so a wrong path never reads as just
 * "training failed".
 */
import { stat } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { invalid, TrainyardError } from '../../errors.js';
import type { Connection } from '../connections/schema.js';
import { fetchRemote, type FetchContext, type Placement } from './fetch.js';

export interface DataBinding {
  connName: string;
  localPath: string;
  remotePath?: string | undefined;
}

export interface DataFetchOptions extends FetchContext {
  /** The training's working directory, absolute: `<workspace>/src/<spec.workDir>`. */
  workDir: string;
  /** The decrypted connection with this id (ConnectionService.getDecrypted). */
  connection(id: string): Promise<Connection>;
}

/** Fetches every binding, in order; the first failure stops and is thrown. */
export async function fetchDataBindings(bindings: DataBinding[], options: DataFetchOptions): Promise<void> {
  for (const [index, binding] of bindings.entries()) await fetchDataBinding(binding, index, options);
}

export async function fetchDataBinding(binding: DataBinding, index: number, options: DataFetchOptions): Promise<void> {
  const name = `Data binding spec.data[${index}] (localPath '${binding.localPath}')`;
  const target = localTarget(options.workDir, binding.localPath, name);
  let connection: Connection;
  try {
    connection = await options.connection(binding.connName);
  } catch (err) {
    if (err instanceof TrainyardError && err.code === 'RESOURCE_DOES_NOT_EXIST') throw new TrainyardError(err.code, `${name}: connection '${binding.connName}' does not exist`);
    throw err;
  }
  const label = `${name}: connection '${connection.id}'`;
  await fetchRemote(connection, binding.remotePath, await placement(target, binding.localPath), label, options);
}

function localTarget(workDir: string, localPath: string, name: string): string {
  const normalized = posix.normalize(localPath);
  if (localPath === '' || posix.isAbsolute(localPath) || normalized === '..' || normalized.startsWith('../') || localPath.includes('\0')) {
    throw invalid(`${name}: localPath must be a relative path inside the work directory`);
  }
  return join(workDir, normalized);
}

/**
 * A folder's contents land in the target. A single file lands in the target folder under its own
 * name when localPath ends with '/' or already is a folder; otherwise localPath names the file.
 */
async function placement(target: string, localPath: string): Promise<Placement> {
  const isFolder = localPath.endsWith('/') || (await stat(target).then((s) => s.isDirectory(), () => false));
  return { dir: target, file: (fileName) => (isFolder ? join(target, fileName) : target) };
}
