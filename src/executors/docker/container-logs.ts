/**
 * A container's output, copied into the job's log file as it comes. The daemon keeps the output
 * (its log driver), so a server that restarts picks up where the last one stopped: each message
 * carries the daemon's timestamp, and the last one written is kept in a file beside the log.
 * A crash can at worst repeat the messages of the last quarter second, never lose any.
 */
import { open, readFile, rename, writeFile } from 'node:fs/promises';
import type Docker from 'dockerode';

const MARKER_EVERY_MS = 250;

export function logMarkerOf(logPath: string): string {
  return `${logPath}.docker-logs`;
}

/** Docker writes RFC 3339 with up to nine fraction digits; padded, they compare as text. */
function sortable(ts: string): string | undefined {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?Z$/.exec(ts);
  return m ? `${m[1]}.${(m[2] ?? '').padEnd(9, '0')}Z` : undefined;
}

/**
 * Splits the daemon's multiplexed stream (8-byte headers: stream type, 3 zero bytes, size) into
 * its frames; with timestamps on, each frame is one message "TIMESTAMP text".
 */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Buffer[] {
    this.buf = this.buf.length === 0 ? chunk : Buffer.concat([this.buf, chunk]);
    const frames: Buffer[] = [];
    while (this.buf.length >= 8) {
      const size = this.buf.readUInt32BE(4);
      if (this.buf.length < 8 + size) break;
      frames.push(this.buf.subarray(8, 8 + size));
      this.buf = this.buf.subarray(8 + size);
    }
    return frames;
  }
}

/**
 * Copies the container's stdout and stderr into `logPath` until the container stops (or `signal`
 * aborts), starting after the last message an earlier follower wrote.
 */
export async function followContainerLogs(container: Docker.Container, logPath: string, signal: AbortSignal): Promise<void> {
  const markerPath = logMarkerOf(logPath);
  const after = sortable((await readFile(markerPath, 'utf8').catch(() => '')).trim());
  signal.throwIfAborted();
  const file = await open(logPath, 'a');
  let last = after;
  let saved = after;
  let savedAt = 0;
  const save = async () => {
    if (last === saved || last === undefined) return;
    await writeFile(`${markerPath}.tmp`, `${last}\n`);
    await rename(`${markerPath}.tmp`, markerPath);
    saved = last;
    savedAt = Date.now();
  };
  /** Writes the frames newer than the last one written. */
  const copy = async (frames: Buffer[]) => {
    const out: Buffer[] = [];
    for (const frame of frames) {
      const space = frame.indexOf(0x20);
      const ts = space > 0 ? sortable(frame.subarray(0, space).toString('latin1')) : undefined;
      if (ts === undefined) out.push(frame);
      else if (last === undefined || ts > last) {
        out.push(frame.subarray(space + 1));
        last = ts;
      }
    }
    if (out.length > 0) await file.write(Buffer.concat(out));
    if (Date.now() - savedAt >= MARKER_EVERY_MS) await save();
  };
  const options = () => ({ stdout: true, stderr: true, timestamps: true, since: last === undefined ? 0 : sinceSeconds(last) });
  try {
    const stream = (await container.logs({ ...options(), follow: true })) as NodeJS.ReadableStream & { destroy(): void };
    const onAbort = () => stream.destroy();
    signal.addEventListener('abort', onAbort, { once: true });
    // Aborted while the daemon was answering: the listener above will never fire.
    if (signal.aborted) onAbort();
    try {
      const reader = new FrameReader();
      for await (const chunk of stream) await copy(reader.push(chunk as Buffer));
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
    // A following stream can end before the daemon has stored the container's last message
    // (a line without a newline, flushed at exit); one more read picks up what it missed.
    if (!signal.aborted) await copy(new FrameReader().push((await container.logs({ ...options(), follow: false })) as Buffer));
  } catch (err) {
    if (!signal.aborted) throw err;
  } finally {
    await file.close();
    await save();
  }
}

function sinceSeconds(ts: string): number {
  return Math.floor(Date.parse(ts.replace(/\.\d+Z$/, 'Z')) / 1000);
}
