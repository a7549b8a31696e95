/**
 * Following a job's log file as it grows: for live logs in the API and for the dispatcher's line
 * listeners. Byte offsets make it resumable; polling makes it indifferent to how the file is
 * written (local process, container log copier, shared filesystem).
 */
import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

export interface LogChunk {
  data: Buffer;
  /** Byte offset just past `data`: where to resume. */
  offset: number;
}

export interface FollowOptions {
  /** Byte offset to start at (default 0). */
  offset?: number;
  /**
   * Whether the writer is done (the job finished). Checked whenever the reader caught up; the
   * file is read to its end once more after it first returns true, then the iteration ends.
   */
  until: () => boolean | Promise<boolean>;
  pollMs?: number;
  /** Ends the iteration early, without error. */
  signal?: AbortSignal;
  /** Settles when the writer is done: cuts a poll pause short, so the last bytes are read at once. */
  wake?: Promise<unknown>;
  chunkBytes?: number;
}

/** Chunks of the file from `offset` on; waits for a file that does not exist yet. */
export async function* followFile(path: string, options: FollowOptions): AsyncGenerator<LogChunk> {
  const pollMs = options.pollMs ?? 200;
  const chunkBytes = options.chunkBytes ?? 64 * 1024;
  let offset = options.offset ?? 0;
  let file: FileHandle | undefined;
  try {
    while (!options.signal?.aborted) {
      // Checked before reading: everything written before the writer finished is then read below.
      const done = await options.until();
      file ??= await openIfExists(path);
      let readAny = false;
      if (file) {
        for (;;) {
          const buffer = Buffer.allocUnsafe(chunkBytes);
          const { bytesRead } = await file.read(buffer, 0, chunkBytes, offset);
          if (bytesRead === 0) break;
          offset += bytesRead;
          readAny = true;
          yield { data: buffer.subarray(0, bytesRead), offset };
          if (options.signal?.aborted) return;
        }
      }
      if (done) return;
      if (!readAny) {
        try {
          const pause = sleep(pollMs, undefined, { signal: options.signal });
          if (options.wake) {
            pause.catch(() => undefined); // an abort after the wake-up must not go unhandled
            await Promise.race([pause, options.wake]);
          } else {
            await pause;
          }
        } catch {
          return;
        }
      }
    }
  } finally {
    await file?.close();
  }
}

async function openIfExists(path: string): Promise<FileHandle | undefined> {
  try {
    return await open(path, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

/**
 * Cuts a byte stream into lines. Splitting on the byte 0x0A is safe for UTF-8 (it never occurs
 * inside a multi-byte character), so a character cut across chunks is decoded whole. `consumed`
 * is the offset just past the last complete line: resuming there re-reads an unfinished line.
 */
export class LineSplitter {
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(
    public consumed = 0,
    private readonly maxLineBytes = 64 * 1024,
  ) {}

  push(data: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = data.indexOf(0x0a, start);
      if (nl === -1) break;
      lines.push(this.take(data.subarray(start, nl), 1));
      start = nl + 1;
    }
    let rest = data.subarray(start);
    // An endless line is delivered in pieces rather than held in memory.
    while (this.pendingBytes + rest.length > this.maxLineBytes) {
      const room = this.maxLineBytes - this.pendingBytes;
      lines.push(this.take(rest.subarray(0, room), 0));
      rest = rest.subarray(room);
    }
    if (rest.length > 0) {
      this.pending.push(Buffer.from(rest));
      this.pendingBytes += rest.length;
    }
    return lines;
  }

  /** The last line when the file ends without a newline. */
  flush(): string[] {
    if (this.pendingBytes === 0) return [];
    return [this.take(Buffer.alloc(0), 0)];
  }

  private take(tail: Buffer, terminator: number): string {
    const bytes = this.pending.length ? Buffer.concat([...this.pending, tail]) : tail;
    this.pending = [];
    this.consumed += bytes.length + terminator;
    this.pendingBytes = 0;
    let text = bytes.toString('utf8');
    if (text.endsWith('\r')) text = text.slice(0, -1);
    return text;
  }
}
