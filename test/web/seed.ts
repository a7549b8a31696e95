/** Tracking data for the web UI tests, created through the HTTP API as any client would. */
import { artifactProxyPath, createClient, type TrainyardClient } from '../../src/clients/index.js';

// An 8×6 red PNG.
export const PNG = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAgAAAAGCAIAAABxZ0isAAAAEUlEQVR4nGM4YWODFTEMpAQAr9U8AVonTcEAAAAASUVORK5CYII=', 'base64');

export interface Seeded {
  client: TrainyardClient;
  experimentId: string;
  baseline: string;
  wider: string;
  child: string;
  /** Runs named filler-00 … filler-NN: sgd, loss growing with the index. */
  fillers: string[];
}

export const ARTIFACTS: Record<string, string | Buffer> = {
  'notes.txt': 'plain notes\nsecond line\n',
  'metrics.json': '{"rmse":0.41,"folds":[1,2,3]}',
  'config.yaml': 'model:\n  learning_rate: 0.1\n  layers: 3\n',
  'data.csv': 'size,rent,"city, region"\n40,700,"Lisbon, PT"\n55,910,"Porto, PT"\n',
  'plot.png': PNG,
  'sub/inner.txt': 'inside a folder\n',
};

export async function seedTracking(url: string, fillers = 30): Promise<Seeded> {
  const client = createClient(url);
  const t = client.tracking;
  const experimentId = await t.createExperiment('web-e2e');
  const run = async (name: string, params: Record<string, string>, loss: (step: number) => number, tags: Record<string, string> = {}, steps = 200) => {
    const r = await t.createRun({ experimentId, runName: name, startTime: Date.now(), tags });
    const id = r.info.run_id;
    const metrics = [];
    for (let s = 0; s < steps; s++) {
      metrics.push({ key: 'loss', value: loss(s), step: s, timestamp: 1_700_000_000_000 + s * 1000 });
      metrics.push({ key: 'accuracy', value: 1 - loss(s) / 4, step: s, timestamp: 1_700_000_000_000 + s * 1000 });
    }
    await t.logBatch(id, { params: Object.entries(params).map(([key, value]) => ({ key, value })), metrics });
    return id;
  };
  const ids: string[] = [];
  for (let i = 0; i < fillers; i++) {
    ids.push(await run(`filler-${String(i).padStart(2, '0')}`, { lr: '0.5', optimizer: 'sgd' }, () => 2 + i / 10, {}, 5));
    await t.endRun(ids[i]!);
  }
  const baseline = await run('baseline', { lr: '0.1', optimizer: 'adam' }, (s) => Math.exp(-s / 40) + 0.05, { team: 'vision' });
  const wider = await run('wider', { lr: '0.01', optimizer: 'adam' }, (s) => Math.exp(-s / 80) + 0.1, { team: 'vision' });
  const child = await run('child', { lr: '0.1', optimizer: 'adam' }, () => 0.3, { 'mlflow.parentRunId': baseline });
  await t.endRun(wider);
  await t.endRun(child);

  const root = artifactProxyPath((await t.getRun(baseline)).info.artifact_uri);
  for (const [path, body] of Object.entries(ARTIFACTS)) {
    await client.artifacts.upload(`${root}/${path}`, typeof body === 'string' ? body : new Uint8Array(body));
  }
  return { client, experimentId, baseline, wider, child, fillers: ids };
}
