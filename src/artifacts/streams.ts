import { createHash, type Hash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

/** Passes bytes through unchanged, counting them (and hashing them when asked), without buffering. */
export class ByteCounter extends Transform {
  bytes = 0;
  private readonly hash: Hash | undefined;

  constructor(hashAlgorithm?: string) {
    super();
    this.hash = hashAlgorithm ? createHash(hashAlgorithm) : undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    this.bytes += chunk.length;
    this.hash?.update(chunk);
    callback(null, chunk);
  }

  /** The hex digest of everything that passed; only once the stream has ended. */
  digest(): string {
    if (!this.hash) throw new Error('ByteCounter was created without a hash algorithm');
    return this.hash.digest('hex');
  }
}
