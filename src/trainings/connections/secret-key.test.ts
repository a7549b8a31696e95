import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SecretBox } from './sealed.js';
import { loadSecretKey } from './secret-key.js';

const homes: string[] = [];
function home(): string {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-key-'));
  homes.push(dir);
  return join(dir, 'home');
}
afterEach(() => {
  for (const dir of homes.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('the secret key', () => {
  it('comes from TRAINYARD_SECRET_KEY as hex or base64 of 32 bytes, the same key either way', () => {
    const bytes = randomBytes(32);
    const hex = loadSecretKey({ home: home(), env: { TRAINYARD_SECRET_KEY: bytes.toString('hex') } });
    const b64 = loadSecretKey({ home: home(), env: { TRAINYARD_SECRET_KEY: bytes.toString('base64') } });
    const url = loadSecretKey({ home: home(), env: { TRAINYARD_SECRET_KEY: bytes.toString('base64url') } });
    expect(hex.bytes.equals(bytes)).toBe(true);
    expect(b64.id).toBe(hex.id);
    expect(url.id).toBe(hex.id);
    expect(hex.source).toBe('TRAINYARD_SECRET_KEY');
    expect(hex.id).not.toContain(bytes.toString('hex').slice(0, 8));
  });

  it('refuses a key of the wrong length with a message that says what to give, without echoing it', () => {
    const short = randomBytes(16).toString('base64');
    expect(() => loadSecretKey({ home: home(), env: { TRAINYARD_SECRET_KEY: short } })).toThrow(/holds 16 bytes; AES-256 needs exactly 32.*openssl rand -base64 32/);
    try {
      loadSecretKey({ home: home(), env: { TRAINYARD_SECRET_KEY: short } });
    } catch (err) {
      expect((err as Error).message).not.toContain(short);
    }
    expect(() => loadSecretKey({ home: home(), env: { TRAINYARD_SECRET_KEY: 'not a key!' } })).toThrow(/neither hex nor base64/);
  });

  it('is generated once into a private key file under TRAINYARD_HOME and reused', () => {
    const dir = home();
    const first = loadSecretKey({ home: dir, env: {} });
    const path = join(dir, 'secret.key');
    expect(first.source).toBe(path);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    expect(readFileSync(path, 'utf8').trim()).toBe(first.bytes.toString('base64'));
    const again = loadSecretKey({ home: dir, env: {} });
    expect(again.id).toBe(first.id);
    const sealed = new SecretBox(first).seal({ password: 'p' }, 'connection x');
    expect(new SecretBox(again).open(sealed, 'connection x')).toEqual({ password: 'p' });
  });

  it('refuses a key file that others can read, saying how to fix it', () => {
    const dir = home();
    loadSecretKey({ home: dir, env: {} });
    const path = join(dir, 'secret.key');
    chmodSync(path, 0o644);
    expect(() => loadSecretKey({ home: dir, env: {} })).toThrow(`chmod 600 ${path}`);
    chmodSync(path, 0o600);
    expect(loadSecretKey({ home: dir, env: {} }).source).toBe(path);
  });

  it('prefers the environment over an existing key file', () => {
    const dir = home();
    const file = loadSecretKey({ home: dir, env: {} });
    const env = loadSecretKey({ home: dir, env: { TRAINYARD_SECRET_KEY: randomBytes(32).toString('hex') } });
    expect(env.id).not.toBe(file.id);
  });
});
