import { describe, expect, it } from 'vitest';
import type { PipelineRunView, PipelineTaskView } from '../../pipelines/view.js';
import { DagView } from './pipeline-view.js';

function stream(tty: boolean) {
  const out = { text: '', isTTY: tty, columns: 100, write: (t: string) => ((out.text += t), true) };
  return out;
}

const task = (name: string, state: PipelineTaskView['state'], extra: Partial<PipelineTaskView> = {}): PipelineTaskView => ({ name, state, needs: [], attempt: 0, maxAttempts: 1, outputs: [], ...extra });
const run = (state: PipelineRunView['state'], tasks: PipelineTaskView[]): PipelineRunView => ({
  kind: 'PipelineRun',
  id: 'demo-1234abcd',
  pipeline: 'demo',
  state,
  params: {},
  force: [],
  experiment: 'demo',
  cancelRequested: false,
  createdAt: 0,
  summary: {},
  tasks,
});

describe('the live DAG view', () => {
  it('on a terminal, redraws one line per task in place', () => {
    const out = stream(true);
    const view = new DagView(out, {});
    view.update(run('running', [task('ingest', 'running', { attempt: 1 }), task('train', 'pending', { needs: ['ingest'] })]), 1200);
    view.update(run('running', [task('ingest', 'cached', { cachedFrom: { runId: 'r', pipelineRunId: 'demo-0000' } }), task('train', 'running', { needs: ['ingest'], attempt: 1, maxAttempts: 3 })]), 2500);
    const frames = out.text.split('\x1b[3A\r\x1b[0J');
    expect(frames).toHaveLength(2);
    const last = frames[1]!.replace(/\x1b\[[0-9;]*m/g, '').split('\n');
    expect(last[0]).toBe('demo-1234abcd  running  1/2 done  2.5s');
    expect(last[1]).toBe('  ≡ cached          ingest  (from demo-0000)');
    expect(last[2]).toMatch(/^ {2}. running {9}train +← ingest {2}\(try 1\/3\)$/);
  });

  it('elsewhere, prints one plain line per state change and nothing for tasks still pending', () => {
    const out = stream(false);
    const view = new DagView(out, {});
    view.update(run('running', [task('a', 'running', { attempt: 1 }), task('b', 'pending')]), 100);
    view.update(run('running', [task('a', 'running', { attempt: 1 }), task('b', 'pending')]), 600);
    view.update(run('failed', [task('a', 'failed', { attempt: 1, message: 'exited with code 2' }), task('b', 'upstream-failed', { message: "not run: task 'a' failed" })]), 1100);
    expect(out.text).toBe("[0.1s] a: running\n[1.1s] a: failed  (exited with code 2)\n[1.1s] b: upstream-failed  (not run: task 'a' failed)\n");
    expect(out.text).not.toContain('\x1b');
  });
});
