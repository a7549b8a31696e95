/**
 * Graceful shutdown of `trainyard server`: on SIGTERM it stops taking connections, finishes the
 * requests it has, ends followed logs, closes the database cleanly (SQLite: WAL checkpointed away)
 * and exits 0.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { V1Client } from '../../src/clients/index.js';
import { uploadSource } from '../../src/clients/v1-sources.js';
import { readProcStat } from '../../src/executors/processes.js';
import { parseStoreUri } from '../../src/store/open.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { Http, ml } from '../support/http.js';
import { killGroups } from '../support/processes.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/** Each test starts server processes from source (tsx); on a busy two-core machine that alone takes seconds. */
const PROCESS_TEST_TIMEOUT = 180_000;

/** Reads from a socket until `done(text so far)` holds; rejects if the socket ends first. */
function readUntil(socket: Socket, done: (text: string) => boolean): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (b: Buffer) => {
      text += b.toString('latin1');
      if (done(text)) {
        socket.off('data', onData);
        socket.off('end', onEnd);
        resolve(text);
      }
    };
    const onEnd = () => reject(new Error(`connection ended after: ${JSON.stringify(text)}`));
    socket.on('data', onData);
    socket.once('end', onEnd);
  });
}

function refusesConnections(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(false);
    });
    s.once('error', () => resolve(true));
  });
}

function completeResponse(text: string): boolean {
  const headEnd = text.indexOf('\r\n\r\n');
  if (headEnd < 0) return false;
  const length = /\r\ncontent-length:\s*(\d+)/i.exec(text.slice(0, headEnd))?.[1];
  return length !== undefined && text.length >= headEnd + 4 + Number(length);
}

describe.each(BACKENDS)('server shutdown on %s', (backend) => {
  let dir: string;
  let database: TestDatabase;
  let server: ServerProcess | undefined;
  afterEach(async () => {
    await server?.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('finishes an in-flight request on SIGTERM, then exits 0 with the database closed cleanly', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-shutdown-'));
    database = await createTestDatabase(backend);
    server = await startServerProcess({ storeUri: database.uri, dir, logLevel: 'info' });
    const http = new Http(server.url);
    const runId: string = (await http.post(ml('/runs/create'), { experiment_id: '0' })).body.run.info.run_id;
    const port = Number(new URL(server.url).port);

    const body = JSON.stringify({ run_id: runId, metrics: [{ key: 'loss', value: 0.25, timestamp: 1_700_000_000_000, step: 7 }] });
    const half = body.length >> 1;
    const socket = connect(port, '127.0.0.1');
    await new Promise((resolve) => socket.once('connect', resolve));
    // "Expect: 100-continue" makes the server say when it has the request's head: from then on
    // the request is in flight, and its body is still to come.
    socket.write(
      `POST /api/2.0/mlflow/runs/log-batch HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n${body.slice(0, half)}`,
    );
    await readUntil(socket, (t) => t.includes('100 Continue\r\n\r\n'));

    server.kill('SIGTERM');
    // Shutdown has begun once the listener is closed.
    while (!(await refusesConnections(port))) await new Promise((r) => setTimeout(r, 20));

    const response = readUntil(socket, completeResponse);
    socket.write(body.slice(half));
    const text = await response;
    socket.destroy();
    expect(text).toMatch(/HTTP\/1\.1 200 OK/);
    expect(await server.exited).toBe(0);
    expect(server.log()).toMatch(/"msg":"stopped"/);

    const target = parseStoreUri(database.uri);
    if (target.dialect === 'sqlite') {
      // Closing the last connection checkpoints the WAL into the database and removes it.
      const wal = `${target.path}-wal`;
      expect(existsSync(wal) ? statSync(wal).size : 0).toBe(0);
      const raw = new BetterSqlite3(target.path, { readonly: true });
      try {
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
        expect(raw.prepare('select step from latest_metrics where run_uuid = ? and key = ?').get(runId, 'loss')).toEqual({ step: 7 });
      } finally {
        raw.close();
      }
    } else {
      server = await startServerProcess({ storeUri: database.uri, dir });
      const history = await new Http(server.url).get(ml('/metrics/get-history'), { run_id: runId, metric_key: 'loss' });
      expect(history.body.metrics).toEqual([{ key: 'loss', value: 0.25, timestamp: 1_700_000_000_000, step: 7 }]);
    }
  }, PROCESS_TEST_TIMEOUT);

  it('ends a followed training log and exits while the training still runs, leaving it running for the next start', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-shutdown-'));
    database = await createTestDatabase(backend);
    server = await startServerProcess({ storeUri: database.uri, dir });
    const client = new V1Client(server.url);
    const source = join(dir, 'source');
    mkdirSync(source);
    writeFileSync(join(source, 'train.sh'), 'echo $$ > "$PID_FILE"\necho started\nexec sleep 600\n');
    const pidFile = join(dir, 'training.pid');
    const { hash } = await uploadSource(client, source);
    await client.createTraining({
      kind: 'ModelTraining',
      id: 'long',
      spec: {
        model: { name: 'long', version: '1' },
        toolchain: 'command',
        command: 'sh train.sh',
        envs: [{ name: 'PID_FILE', value: pidFile }],
        algorithmSource: { local: { path: '.', snapshot: hash } },
      },
    });
    const log = (await fetch(`${server.url}/api/v1/trainings/long/logs?follow=true`)).body!.getReader();
    let text = '';
    const decoder = new TextDecoder();
    while (!text.includes('started\n')) {
      const { done, value } = await log.read();
      if (done) throw new Error(`the followed log ended early: ${text}`);
      text += decoder.decode(value, { stream: true });
    }
    const pid = Number(readFileSync(pidFile, 'utf8'));
    const group = readProcStat(pid)!.pgrp;
    try {
      server.kill('SIGTERM');
      // Held by the open log stream, the exit would wait out the training; held by the stream's
      // connection left in keep-alive, 72 s. Either is a hang, whatever the machine's speed.
      const hung = new Promise<string>((resolve) => setTimeout(() => resolve('still running 40 s after SIGTERM'), 40_000).unref());
      expect(await Promise.race([server.exited, hung])).toBe(0);
      for (;;) if ((await log.read()).done) break;
      expect(() => process.kill(pid, 0)).not.toThrow();
    } finally {
      // The whole group, wrapper included: a wrapper that outlived its training would write the
      // exit file into the training's folder while afterEach removes it.
      await killGroups([group]);
    }
  }, PROCESS_TEST_TIMEOUT);

  it('exits 0 on SIGINT when idle', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-shutdown-'));
    database = await createTestDatabase(backend);
    server = await startServerProcess({ storeUri: database.uri, dir });
    expect((await new Http(server.url).get('/health')).status).toBe(200);
    server.kill('SIGINT');
    expect(await server.exited).toBe(0);
  }, PROCESS_TEST_TIMEOUT);
});
