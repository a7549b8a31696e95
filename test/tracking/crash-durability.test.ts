/**
 * A log-batch that the server acknowledged survives the server being killed: SIGKILL mid-load,
 * restart on the same database, and every acknowledged point is there, no batch half-written,
 * and the database passes its integrity and migration checks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore, parseStoreUri } from '../../src/store/open.js';
import { BACKENDS, createTestDatabase, type TestDatabase } from '../support/backends.js';
import { Http, ml } from '../support/http.js';
import { startServerProcess, type ServerProcess } from '../support/server-process.js';

/** Each test starts server processes from source (tsx); on a busy two-core machine that alone takes seconds. */
const PROCESS_TEST_TIMEOUT = 180_000;

const KEYS = ['loss', 'accuracy'];
const STEPS_PER_BATCH = 50;
const CLIENTS = 4;
const ACKED_BEFORE_KILL = 40;

function batch(runId: string, index: number) {
  const metrics = [];
  for (let s = 0; s < STEPS_PER_BATCH; s++) {
    const step = index * STEPS_PER_BATCH + s;
    for (const key of KEYS) metrics.push({ key, value: step / 7, timestamp: 1_700_000_000_000 + step, step });
  }
  return { run_id: runId, metrics };
}

describe.each(BACKENDS)('crash durability on %s', (backend) => {
  let dir: string;
  let database: TestDatabase;
  const servers: ServerProcess[] = [];
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.stop();
    await database?.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged log-batch across a SIGKILL mid-load', async () => {
    dir = mkdtempSync(join(tmpdir(), 'trainyard-crash-'));
    database = await createTestDatabase(backend);
    const first = await startServerProcess({ storeUri: database.uri, dir });
    servers.push(first);
    const http = new Http(first.url);
    const created = await http.post(ml('/runs/create'), { experiment_id: '0' });
    expect(created.status).toBe(200);
    const runId: string = created.body.run.info.run_id;

    // Several keep-alive clients log numbered batches until the server dies under them.
    const acked = new Set<number>();
    const attempted = new Set<number>();
    let next = 0;
    let killed = false;
    // Each client keeps sending until the dead server refuses it, so requests always race the kill.
    const client = async () => {
      for (;;) {
        const index = next++;
        attempted.add(index);
        const reply = await http.post(ml('/runs/log-batch'), batch(runId, index)).catch(() => undefined);
        if (reply === undefined) return;
        if (reply.status !== 200) throw new Error(`log-batch answered ${reply.status}: ${JSON.stringify(reply.body)}`);
        acked.add(index);
        if (acked.size >= ACKED_BEFORE_KILL && !killed) {
          killed = true;
          first.kill('SIGKILL');
        }
      }
    };
    await Promise.all(Array.from({ length: CLIENTS }, client));
    expect(await first.exited).toBe('SIGKILL');
    // Requests were refused by the dead server: the kill landed while the load ran.
    expect(attempted.size).toBeGreaterThan(acked.size);

    const second = await startServerProcess({ storeUri: database.uri, dir });
    servers.push(second);
    const after = new Http(second.url);
    for (const key of KEYS) {
      const history = await after.get(ml('/metrics/get-history'), { run_id: runId, metric_key: key });
      expect(history.status).toBe(200);
      const steps = new Set<number>((history.body.metrics ?? []).map((m: { step: number }) => m.step));
      const stepsOf = (index: number) => Array.from({ length: STEPS_PER_BATCH }, (_, s) => index * STEPS_PER_BATCH + s);
      const lost = [...acked].filter((index) => stepsOf(index).some((step) => !steps.has(step)));
      expect(lost, `acknowledged batches missing points of '${key}'`).toEqual([]);
      // A batch is written whole or not at all, acknowledged or not.
      const torn = [...attempted].filter((index) => new Set(stepsOf(index).map((step) => steps.has(step))).size > 1);
      expect(torn, `batches of '${key}' written in part`).toEqual([]);
      expect(steps.size % STEPS_PER_BATCH).toBe(0);
    }
    const run = await after.get(ml('/runs/get'), { run_id: runId });
    const lastAcked = Math.max(...acked) * STEPS_PER_BATCH + STEPS_PER_BATCH - 1;
    for (const m of run.body.run.data.metrics) expect(m.step).toBeGreaterThanOrEqual(lastAcked);

    expect(await second.stop()).toBe(0);
    const target = parseStoreUri(database.uri);
    if (target.dialect === 'sqlite') {
      const raw = new BetterSqlite3(target.path, { readonly: true });
      try {
        expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      } finally {
        raw.close();
      }
    }
    const store = await openStore(database.uri, { migrate: 'check' });
    await store.close();
  }, PROCESS_TEST_TIMEOUT);
});
