/**
 * Copies a source folder into a staging folder under the snapshot store: regular files, folders
 * and links that stay inside; skipped names left out; modes normalised; limits enforced.
 */
import { constants } from 'node:fs';
import { chmod, copyFile, lstat, mkdir, readlink, realpath, symlink } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, sep } from 'node:path';
import { invalid } from '../../errors.js';
import { Budget, checkLinkInside, normalizedMode, walkTree, type SnapshotLimits } from './tree.js';

export async function copyFolder(folder: string, staging: string, limits: SnapshotLimits): Promise<void> {
  const what = `Source folder '${folder}'`;
  let info;
  try {
    info = await lstat(folder);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw invalid(`${what} does not exist`);
    throw err;
  }
  if (!info.isDirectory()) throw invalid(`${what} is not a folder`);
  const root = await realpath(folder);
  const budget = new Budget(limits, what);
  const links: string[] = [];
  for await (const entry of walkTree(root)) {
    budget.entry();
    const dest = join(staging, entry.path);
    if (entry.kind === 'dir') {
      await mkdir(dest);
    } else if (entry.kind === 'file') {
      const stat = await lstat(entry.abs);
      budget.add(stat.size);
      await copyFile(entry.abs, dest, constants.COPYFILE_EXCL);
      await chmod(dest, normalizedMode(stat.mode));
    } else if (entry.kind === 'symlink') {
      await symlink(await portableTarget(root, entry.abs, what, entry.path), dest);
      links.push(dest);
    } else {
      throw invalid(`${what}: '${entry.path}' is not a file, folder or link (a socket, pipe or device); move it out of the source`);
    }
  }
  // Checked in the copy, once every link exists, so chains resolve as they will in a workspace.
  for (const link of links) await checkLinkInside(staging, link, what);
}

/** An absolute link to somewhere inside the folder becomes relative, so it still works once the snapshot is elsewhere. */
export async function portableTarget(root: string, link: string, what: string, path: string): Promise<string> {
  const target = await readlink(link);
  if (!isAbsolute(target)) return target;
  const rel = relative(root, target);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) {
    throw invalid(`${what}: the symbolic link '${path}' points outside the source (to '${target}')`);
  }
  return relative(dirname(link), target) || '.';
}
