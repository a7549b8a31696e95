import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { TrainyardError } from '../../errors.js';
import { AdminToken } from './admin-token.js';

describe('AdminToken', () => {
  const homes: string[] = [];
  const home = () => {
    const dir = mkdtempSync(join(tmpdir(), 'admin-token-'));
    homes.push(dir);
    return dir;
  };
  afterEach(() => {
    for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  const denied = (fn: () => void) => {
    try {
      fn();
    } catch (err) {
      expect(err).toBeInstanceOf(TrainyardError);
      expect((err as TrainyardError).code).toBe('PERMISSION_DENIED');
      return;
    }
    throw new Error('expected PERMISSION_DENIED');
  };

  it('generates a private token file once and reads the same token on the next start', () => {
    const dir = home();
    const first = AdminToken.load(undefined, dir);
    const file = join(dir, 'admin.token');
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8').trim();
    first.require(`Bearer ${token}`, 'x');
    AdminToken.load(undefined, dir).require(`Bearer ${token}`, 'x');
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
  });

  it('accepts only the exact token as a Bearer credential', () => {
    const t = new AdminToken('0123456789abcdef-token');
    t.require('Bearer 0123456789abcdef-token', 'x');
    t.require('bearer   0123456789abcdef-token ', 'x');
    for (const header of [undefined, '', 'Bearer', 'Bearer 0123456789abcdef-toke', 'Bearer 0123456789abcdef-token2', 'Basic 0123456789abcdef-token', '0123456789abcdef-token']) {
      denied(() => t.require(header, 'Reading secrets'));
    }
  });

  it('prefers the configured token, refuses a short one and a token file others can read', () => {
    const dir = home();
    AdminToken.load('configured-token-0123', dir).require('Bearer configured-token-0123', 'x');
    expect(() => new AdminToken('short')).toThrow(/at least 16 characters/);
    const exposed = home();
    writeFileSync(join(exposed, 'admin.token'), 'an-exposed-token-0123456789\n');
    chmodSync(join(exposed, 'admin.token'), 0o644);
    expect(() => AdminToken.load(undefined, exposed)).toThrow(/chmod 600/);
  });

  it('never names the token in its refusal', () => {
    const t = new AdminToken('a-secret-admin-token-value');
    try {
      t.require('Bearer a-secret-admin-token-valuX', 'Reading secrets');
    } catch (err) {
      expect((err as Error).message).not.toContain('a-secret-admin-token');
      expect((err as Error).message).toContain('Reading secrets needs the admin token');
    }
  });
});
