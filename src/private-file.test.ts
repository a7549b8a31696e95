import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TrainyardError } from './errors.js';
import { readOrCreatePrivateFile } from './private-file.js';

const WHAT = { file: 'Test secret file', exposes: 'the test secret' };
const dirs: string[] = [];
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-private-file-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('readOrCreatePrivateFile', () => {
  it('creates the file (and its folder) readable by its owner only, then reads it without creating again', () => {
    const dir = join(scratch(), 'home');
    const path = join(dir, 'secret');
    let made = 0;
    const create = () => `secret-${++made}\n`;
    expect(readOrCreatePrivateFile(path, create, WHAT).toString()).toBe('secret-1\n');
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(statSync(dir).mode & 0o077).toBe(0);
    expect(readOrCreatePrivateFile(path, create, WHAT).toString()).toBe('secret-1\n');
    expect(made).toBe(1);
    expect(readdirSync(dir)).toEqual(['secret']);
  });

  it('keeps bytes as given', () => {
    const path = join(scratch(), 'key');
    const bytes = Buffer.from([0, 255, 10, 128]);
    expect(readOrCreatePrivateFile(path, () => bytes, WHAT).equals(bytes)).toBe(true);
    expect(readFileSync(path).equals(bytes)).toBe(true);
  });

  it('refuses a file that group or others may read, naming it, its mode and the fix', () => {
    const path = join(scratch(), 'secret');
    writeFileSync(path, 'exposed\n');
    for (const mode of [0o644, 0o640, 0o604]) {
      chmodSync(path, mode);
      let error: unknown;
      try {
        readOrCreatePrivateFile(path, () => 'new', WHAT);
      } catch (err) {
        error = err;
      }
      expect(error).toBeInstanceOf(TrainyardError);
      expect((error as TrainyardError).code).toBe('INVALID_PARAMETER_VALUE');
      expect((error as Error).message).toBe(
        `Test secret file ${path} can be read by other users (mode ${mode.toString(8).padStart(4, '0')}); make it private with \`chmod 600 ${path}\` (and consider the test secret exposed if others read it)`,
      );
      expect(readFileSync(path, 'utf8')).toBe('exposed\n');
    }
    chmodSync(path, 0o600);
    expect(readOrCreatePrivateFile(path, () => 'new', WHAT).toString()).toBe('exposed\n');
  });

  it('reads what another process wrote first instead of overwriting it, and leaves no temporary file', () => {
    const dir = scratch();
    const path = join(dir, 'secret');
    // Another process finishes between this one's look and its link.
    const create = () => {
      writeFileSync(path, 'theirs\n', { mode: 0o600 });
      return 'mine\n';
    };
    expect(readOrCreatePrivateFile(path, create, WHAT).toString()).toBe('theirs\n');
    expect(readFileSync(path, 'utf8')).toBe('theirs\n');
    expect(readdirSync(dir)).toEqual(['secret']);
  });
});
