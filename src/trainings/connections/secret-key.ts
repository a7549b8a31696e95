/**
 * The key that seals connection secrets: TRAINYARD_SECRET_KEY (32 bytes, base64 or hex) or a key
 * file under TRAINYARD_HOME, generated on first use with mode 0600. The key bytes never leave this
 * module and the sealing code; messages name where the key came from, never the key.
 */
import { createHash, randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { invalid } from '../../errors.js';
import { readOrCreatePrivateFile } from '../../private-file.js';

export const SECRET_KEY_ENV = 'TRAINYARD_SECRET_KEY';
export const SECRET_KEY_FILE = 'secret.key';
const KEY_BYTES = 32;

export interface SecretKey {
  /** A fingerprint of the key (not the key): recorded with every sealed value to recognise a changed key. */
  readonly id: string;
  /** Where the key came from, for messages: the environment variable or the key file's path. */
  readonly source: string;
  readonly bytes: Buffer;
}

export interface SecretKeyOptions {
  /** TRAINYARD_HOME: where the key file lives when the environment gives no key. */
  home: string;
  env?: NodeJS.ProcessEnv;
}

export function loadSecretKey(options: SecretKeyOptions): SecretKey {
  const fromEnv = (options.env ?? process.env)[SECRET_KEY_ENV];
  if (fromEnv !== undefined && fromEnv.trim() !== '') return secretKey(decodeKey(fromEnv, SECRET_KEY_ENV), SECRET_KEY_ENV);
  const path = join(options.home, SECRET_KEY_FILE);
  const text = readOrCreatePrivateFile(path, () => `${randomBytes(KEY_BYTES).toString('base64')}\n`, {
    file: 'Secret key file',
    exposes: 'the connection secrets it protects',
  });
  return secretKey(decodeKey(text.toString('utf8'), `Secret key file ${path}`), path);
}

function secretKey(bytes: Buffer, source: string): SecretKey {
  const id = createHash('sha256').update('trainyard-secret-key-id\0').update(bytes).digest('hex').slice(0, 16);
  return { id, source, bytes };
}

/** 32 bytes as 64 hex digits or as base64 (with or without padding; URL-safe alphabet accepted). */
export function decodeKey(text: string, source: string): Buffer {
  const s = text.trim();
  let bytes: Buffer | undefined;
  if (/^[0-9a-fA-F]+$/.test(s) && s.length % 2 === 0 && s.length !== 44) bytes = Buffer.from(s, 'hex');
  else if (/^[A-Za-z0-9+/_-]+={0,2}$/.test(s)) bytes = Buffer.from(s.replace(/-/g, '+').replace(/_/g, '/'), 'base64');
  if (bytes === undefined) {
    throw invalid(`${source} is neither hex nor base64; give 32 random bytes, e.g. the output of \`openssl rand -base64 32\``);
  }
  if (bytes.length !== KEY_BYTES) {
    throw invalid(
      `${source} holds ${bytes.length} bytes; AES-256 needs exactly ${KEY_BYTES} (64 hex digits or 44 base64 characters), e.g. the output of \`openssl rand -base64 32\``,
    );
  }
  return bytes;
}
