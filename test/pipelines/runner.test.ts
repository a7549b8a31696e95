import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BACKENDS } from '../support/backends.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { finished, sourceFolder, states, task } from './support.js';

const chain = {
  kind: 'Pipeline',
  name: 'chain',
  params: { n: 3, word: 'hello' },
  tasks: {
    a: { command: 'echo {word} {n} > a.txt', outputs: ['a.txt'], code: ['a.sh'] },
    b: { command: 'sh b.sh', inputs: ['a'], outputs: ['b.txt'], code: ['b.sh'] },
    c: { command: 'test -f b.txt && echo "::metric name=lines value=$(wc -l < b.txt) step=0"', inputs: [{ from: 'b', output: 'b.txt' }], code: [] },
  },
};

describe.each(BACKENDS)('pipeline runner on %s', (backend) => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startTestServer(backend);
  });
  afterAll(async () => server?.close());

  it('runs a chain, then takes every task from the cache', async () => {
    const p = server.services.pipelines;
    const dir = sourceFolder({ 'a.sh': '', 'b.sh': 'cat a.txt a.txt > b.txt\n' });
    const first = await finished(p, (await p.submit(chain, { localPaths: true, baseDir: dir })).id);
    expect(first.state).toBe('succeeded');
    expect(states(first)).toEqual({ a: 'succeeded', b: 'succeeded', c: 'succeeded' });
    const second = await finished(p, (await p.submit(chain, { localPaths: true, baseDir: dir })).id);
    expect(states(second)).toEqual({ a: 'cached', b: 'cached', c: 'cached' });
    expect(task(second, 'b').cachedFrom).toEqual({ runId: task(first, 'b').runId, pipelineRunId: first.id });
  });
});
