/**
 * The admin token that guards privileged API calls: `adminToken` from the configuration
 * (TRAINYARD_ADMIN_TOKEN), or one generated once into `$TRAINYARD_HOME/admin.token` (mode 0600)
 * for whoever can read the server's home. The token is never logged or echoed back.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { join } from 'node:path';
import { invalid, TrainyardError } from '../../errors.js';
import { readOrCreatePrivateFile } from '../../private-file.js';

export const ADMIN_TOKEN_FILE = 'admin.token';
const MIN_LENGTH = 16;

/** Checks a request's Authorization header against the admin token, in constant time. */
export class AdminToken {
  private readonly digest: Buffer;

  constructor(token: string) {
    if (token.length < MIN_LENGTH) throw invalid(`The admin token must have at least ${MIN_LENGTH} characters`);
    this.digest = sha256(token);
  }

  /** Loads the configured token, or reads (creating on first start) the token file under `home`. */
  static load(configured: string | undefined, home: string): AdminToken {
    if (configured !== undefined && configured !== '') return new AdminToken(configured);
    const file = readOrCreatePrivateFile(join(home, ADMIN_TOKEN_FILE), () => `${randomBytes(32).toString('base64url')}\n`, {
      file: 'Admin token file',
      exposes: 'the token',
    });
    return new AdminToken(file.toString('utf8').trim());
  }

  /** Throws PERMISSION_DENIED unless `authorization` is `Bearer <the admin token>`. */
  require(authorization: string | undefined, action: string): void {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
    // Both sides hashed: equal lengths for timingSafeEqual, and the comparison says nothing about the token's length.
    if (match && timingSafeEqual(sha256(match[1]!), this.digest)) return;
    throw new TrainyardError(
      'PERMISSION_DENIED',
      `${action} needs the admin token: send 'Authorization: Bearer <token>' with the server's adminToken (TRAINYARD_ADMIN_TOKEN) or the content of $TRAINYARD_HOME/${ADMIN_TOKEN_FILE}`,
    );
  }
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}
