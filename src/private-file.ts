/**
 * A secret kept in a file only its owner may read (the admin token, the connection secrets key):
 * made on first use with mode 0600, refused when group or others may read it.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { invalid } from './errors.js';

export interface PrivateFileWhat {
  /** How messages name the file, e.g. 'Admin token file'. */
  file: string;
  /** What to consider exposed when others could read it, e.g. 'the token'. */
  exposes: string;
}

/**
 * The file's content, written from `create()` when it does not exist yet. Throws INVALID_PARAMETER_VALUE,
 * saying how to fix it, when the file is readable by anyone but its owner.
 */
export function readOrCreatePrivateFile(path: string, create: () => string | Buffer, what: PrivateFileWhat): Buffer {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return createPrivateFile(path, create, what);
  }
  if ((mode & 0o077) !== 0) {
    throw invalid(
      `${what.file} ${path} can be read by other users (mode ${(mode & 0o777).toString(8).padStart(4, '0')}); ` +
        `make it private with \`chmod 600 ${path}\` (and consider ${what.exposes} exposed if others read it)`,
    );
  }
  return readFileSync(path);
}

/**
 * Written to a private temporary file and linked into place: link() fails when the file exists,
 * so two processes starting together end up sharing one content, never overwriting it.
 */
function createPrivateFile(path: string, create: () => string | Buffer, what: PrivateFileWhat): Buffer {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const content = Buffer.from(create());
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    try {
      writeSync(fd, content);
    } finally {
      closeSync(fd);
    }
    linkSync(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    return readOrCreatePrivateFile(path, create, what);
  } finally {
    unlinkSync(tmp);
  }
  return content;
}
