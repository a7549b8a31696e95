/**
 * A log answered as a stream, optionally followed live. A followed log lasts as long as its
 * training or task, so it ends on either of two things: its client going away, or the server
 * shutting down (else SIGTERM would wait for every open `logs --follow` before the server exits).
 */
import { Readable } from 'node:stream';
import type { FastifyInstance, FastifyReply } from 'fastify';

export type OpenLog = (signal: AbortSignal) => AsyncGenerator<Buffer>;

/** The signal every log stream of `app` also stops on: aborted as the server begins to close. */
export function serverClosing(app: FastifyInstance): AbortSignal {
  const closing = new AbortController();
  app.addHook('preClose', async () => closing.abort());
  return closing.signal;
}

export function sendLogStream(reply: FastifyReply, closing: AbortSignal, open: OpenLog): FastifyReply {
  const stop = new AbortController();
  const end = () => stop.abort();
  reply.raw.once('close', end);
  if (closing.aborted) end();
  else closing.addEventListener('abort', end, { once: true, signal: stop.signal });
  return reply
    .type('text/plain; charset=utf-8')
    .header('cache-control', 'no-store')
    .header('x-content-type-options', 'nosniff')
    .send(Readable.from(withHeadersFirst(open(stop.signal))));
}

/**
 * An empty first chunk makes the server send the headers at once, so a client following a quiet
 * log sees the answer start instead of waiting for the first line. (It survives only in an
 * object-mode stream, Readable.from's default: a byte stream drops empty chunks.)
 */
async function* withHeadersFirst(chunks: AsyncGenerator<Buffer>): AsyncGenerator<Buffer> {
  yield Buffer.alloc(0);
  yield* chunks;
}
