/**
 * SIGKILL of the server while trainings run, then a restart: every training ends in a final
 * state — reattached and finished when its process survived, failed with a reason when it did not.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createClient } from '../../src/clients/index.js';
import { uploadSource } from '../../src/clients/v1-sources.js';
import type { ModelTraining } from '../../src/trainings/resource.js';
import { killGroups } from '../support/processes.js';
import { freePort, startServerProcess, type ServerProcess } from '../support/server-process.js';
import { EXAMPLES, exampleManifest } from './support.js';

/** Process groups of programs whose command line contains `marker`. */
function groupsRunning(marker: string): number[] {
  const out = execFileSync('ps', ['-eo', 'pgid=,args='], { encoding: 'utf8' });
  const groups = out
    .split('\n')
    .filter((line) => line.includes(marker) && !line.includes('ps -eo'))
    .map((line) => Number(line.trim().split(/\s+/)[0]));
  return [...new Set(groups)];
}

async function waitFor(get: () => Promise<ModelTraining>, states: string[], timeoutMs = 60_000): Promise<ModelTraining> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const t = await get();
    if (states.includes(t.status.state)) return t;
    if (Date.now() > deadline) throw new Error(`still ${t.status.state}: ${JSON.stringify(t.status)}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

describe('a server killed mid-training', () => {
  const dir = mkdtempSync(join(tmpdir(), 'trainyard-crash-'));
  let server: ServerProcess | undefined;
  afterAll(async () => {
    await server?.stop();
    await killGroups(groupsRunning('sleep 31.25'));
    rmSync(dir, { recursive: true, force: true });
  });

  it('leaves no training running after a restart', async () => {
    const port = await freePort();
    const options = { storeUri: `sqlite:///${join(dir, 'trainyard.db')}`, dir, port };
    server = await startServerProcess(options);
    let client = createClient(server.url).v1;
    const { hash } = await uploadSource(client, join(EXAMPLES, 'quickstart'));
    const submit = (id: string, command: string) =>
      client.createTraining(
        exampleManifest('quickstart', (m) => {
          m.id = id;
          m.spec.command = command;
          m.spec.algorithmSource.local.snapshot = hash;
        }).manifest,
      );
    await submit('survivor', 'sleep 3 && echo survived');
    await submit('casualty', 'sleep 31.25');
    await waitFor(() => client.getTraining('survivor'), ['running']);
    await waitFor(() => client.getTraining('casualty'), ['running']);

    server.kill('SIGKILL');
    await server.exited;
    // While the server is down, one training's processes die too.
    const groups = groupsRunning('sleep 31.25');
    expect(groups.length).toBeGreaterThan(0);
    for (const g of groups) process.kill(-g, 'SIGKILL');

    server = await startServerProcess(options);
    client = createClient(server.url).v1;
    const survivor = await waitFor(() => client.getTraining('survivor'), ['succeeded', 'failed', 'cancelled']);
    expect(survivor.status).toMatchObject({ state: 'succeeded', exitCode: 0 });
    const casualty = await waitFor(() => client.getTraining('casualty'), ['succeeded', 'failed', 'cancelled']);
    expect(casualty.status.state).toBe('failed');
    expect(casualty.status.reason).toMatch(/Lost|Error/);
    expect(casualty.status.message).toBeTruthy();

    let log = '';
    for await (const chunk of client.trainingLogs('survivor')) log += Buffer.from(chunk).toString();
    expect(log).toContain('survived');
  }, 120_000);
});
