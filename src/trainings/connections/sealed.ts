/**
 * Secrets sealed with AES-256-GCM. The stored form is versioned JSON that records which key sealed
 * it (a fingerprint), so a changed key is told apart from tampering. The owner's id is bound in as
 * associated data: a sealed value copied onto another connection does not open.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { invalidState } from '../../errors.js';
import type { SecretKey } from './secret-key.js';

const FORMAT = 1;
const ALGORITHM = 'aes-256-gcm';
const IV_BYTES = 12;

interface SealedV1 {
  v: 1;
  alg: 'A256GCM';
  kid: string;
  /** The names of the sealed values (not their contents), so masked reads never need the key. */
  names: string[];
  iv: string;
  tag: string;
  data: string;
}

export class SecretBox {
  constructor(private readonly key: SecretKey) {}

  get keyId(): string {
    return this.key.id;
  }

  /** Seals string values; `owner` (e.g. `connection 'x'`) must be given again to open them. */
  seal(values: Record<string, string>, owner: string): string {
    const names = Object.keys(values).sort();
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv(ALGORITHM, this.key.bytes, iv);
    cipher.setAAD(associatedData(owner, names));
    const data = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
    const sealed: SealedV1 = {
      v: FORMAT,
      alg: 'A256GCM',
      kid: this.key.id,
      names,
      iv: iv.toString('base64'),
      tag: cipher.getAuthTag().toString('base64'),
      data: data.toString('base64'),
    };
    return JSON.stringify(sealed);
  }

  open(text: string, owner: string): Record<string, string> {
    let sealed: Partial<SealedV1>;
    try {
      sealed = JSON.parse(text) as Partial<SealedV1>;
    } catch {
      throw invalidState(`Cannot decrypt the secrets of ${owner}: the stored value is not in Trainyard's sealed format`);
    }
    if (sealed.v !== FORMAT || sealed.alg !== 'A256GCM' || !Array.isArray(sealed.names) || !sealed.iv || !sealed.tag || !sealed.data) {
      throw invalidState(`Cannot decrypt the secrets of ${owner}: sealed format version ${String(sealed.v)} is not one this Trainyard reads`);
    }
    if (sealed.kid !== this.key.id) {
      throw invalidState(
        `Cannot decrypt the secrets of ${owner}: the secret key changed (they were sealed with key ${String(sealed.kid)}, ` +
          `the current key ${this.key.id} comes from ${this.key.source}). Restore the previous key, or give the secrets again by editing the connection.`,
      );
    }
    try {
      const decipher = createDecipheriv(ALGORITHM, this.key.bytes, Buffer.from(sealed.iv, 'base64'));
      decipher.setAAD(associatedData(owner, sealed.names));
      decipher.setAuthTag(Buffer.from(sealed.tag, 'base64'));
      const plain = Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64')), decipher.final()]).toString('utf8');
      return JSON.parse(plain) as Record<string, string>;
    } catch {
      throw invalidState(`Cannot decrypt the secrets of ${owner}: the sealed value was altered or belongs to another resource`);
    }
  }
}

/** The names of the values in a sealed text, read without the key; empty for anything unreadable. */
export function sealedNames(text: string | null | undefined): string[] {
  if (!text) return [];
  try {
    const names = (JSON.parse(text) as Partial<SealedV1>).names;
    return Array.isArray(names) ? names.filter((n): n is string => typeof n === 'string') : [];
  } catch {
    return [];
  }
}

function associatedData(owner: string, names: string[]): Buffer {
  return Buffer.from(`${owner}\0${names.join(',')}`);
}
