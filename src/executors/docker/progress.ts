/**
 * The daemon's build and pull progress (one JSON object per line) turned into log text, with the
 * build step that failed named in the error.
 */
import type { LogSink } from './log-file.js';

interface ProgressEvent {
  stream?: string;
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string; code?: number };
  aux?: { ID?: string };
}

export class BuildFailed extends Error {
  constructor(
    readonly step: string | undefined,
    readonly detail: string,
  ) {
    super(step ? `the image build failed at step ${step}: ${detail}` : `the image build failed: ${detail}`);
  }
}

async function* events(stream: NodeJS.ReadableStream): AsyncGenerator<ProgressEvent> {
  let buf = '';
  for await (const chunk of stream) {
    buf += typeof chunk === 'string' ? chunk : (chunk as Buffer).toString('utf8');
    let nl: number;
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl).trim();
      buf = buf.slice(nl + 1);
      if (line === '') continue;
      try {
        yield JSON.parse(line) as ProgressEvent;
      } catch {
        yield { stream: `${line}\n` };
      }
    }
  }
  if (buf.trim() !== '') {
    try {
      yield JSON.parse(buf) as ProgressEvent;
    } catch {
      yield { stream: buf };
    }
  }
}

/** Copies a build's output into the log; resolves with the image id, throws BuildFailed naming the step. */
export async function followBuild(stream: NodeJS.ReadableStream, log: LogSink): Promise<string | undefined> {
  let step: string | undefined;
  let id: string | undefined;
  for await (const e of events(stream)) {
    if (e.stream !== undefined) {
      await log.write(e.stream);
      // The classic builder announces each instruction as "Step 3/5 : RUN make".
      for (const m of e.stream.matchAll(/^Step (\d+\/\d+) : (.*)$/gm)) step = `${m[1]} (${m[2]!.trim()})`;
    }
    if (e.aux?.ID) id = e.aux.ID;
    if (e.error !== undefined || e.errorDetail !== undefined) {
      const detail = (e.errorDetail?.message ?? e.error ?? 'unknown error').trim();
      await log.write(`${detail}\n`);
      throw new BuildFailed(step, detail);
    }
  }
  return id;
}

/** Copies a pull's status lines (not its byte counters) into the log; throws on the daemon's error. */
export async function followPull(stream: NodeJS.ReadableStream, log: LogSink): Promise<void> {
  for await (const e of events(stream)) {
    if (e.error !== undefined || e.errorDetail !== undefined) throw new Error((e.errorDetail?.message ?? e.error ?? 'unknown error').trim());
    if (e.status !== undefined && e.progressDetail?.current === undefined) await log.write(`${e.id ? `${e.id}: ` : ''}${e.status}\n`);
  }
}
