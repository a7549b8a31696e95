/**
 * Where the Docker executor writes what a job's log shows before and while its container runs:
 * image resolution, build output and the container's own output. Writes are appended in order.
 */
import { mkdir, open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';

export interface LogSink {
  /** Raw output, as the build or the program wrote it. */
  write(data: string | Buffer): Promise<void>;
  /** Trainyard's own remark, marked so it stands apart from the program's output. */
  note(text: string): Promise<void>;
}

export class LogFile implements LogSink {
  private file: Promise<FileHandle> | undefined;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  write(data: string | Buffer): Promise<void> {
    const next = this.queue.then(async () => {
      this.file ??= mkdir(dirname(this.path), { recursive: true }).then(() => open(this.path, 'a'));
      await (await this.file).write(typeof data === 'string' ? Buffer.from(data) : data);
    });
    this.queue = next.catch(() => undefined);
    return next;
  }

  note(text: string): Promise<void> {
    return this.write(`[trainyard] ${text}\n`);
  }

  async close(): Promise<void> {
    await this.queue;
    const file = this.file;
    this.file = undefined;
    if (file) await (await file).close();
  }
}

/** A sink for the CLI: build output on stdout, notes on stderr. */
export const consoleSink: LogSink = {
  async write(data) {
    process.stdout.write(data);
  },
  async note(text) {
    process.stderr.write(`${text}\n`);
  },
};
