import { describe, expect, it } from 'vitest';
import { downstreamOf, topologicalOrder } from './graph.js';

describe('task graph', () => {
  it('orders tasks after what they need, keeping declaration order where it can', () => {
    const nodes = [
      { name: 'deploy', needs: ['evaluate', 'train'] },
      { name: 'ingest', needs: [] },
      { name: 'evaluate', needs: ['train', 'ingest'] },
      { name: 'train', needs: ['ingest'] },
      { name: 'docs', needs: [] },
    ];
    expect(topologicalOrder(nodes)).toEqual({ order: ['ingest', 'train', 'evaluate', 'deploy', 'docs'] });
  });

  it('names a cycle as a path that returns to its start', () => {
    const result = topologicalOrder([
      { name: 'a', needs: ['c'] },
      { name: 'b', needs: ['a'] },
      { name: 'c', needs: ['b'] },
      { name: 'free', needs: [] },
    ]);
    expect(result).toEqual({ cycle: ['a', 'b', 'c', 'a'] });
    expect(topologicalOrder([{ name: 'self', needs: ['self'] }])).toEqual({ cycle: ['self', 'self'] });
  });

  it('finds everything downstream of a task', () => {
    const nodes = [
      { name: 'a', needs: [] },
      { name: 'b', needs: ['a'] },
      { name: 'c', needs: ['b'] },
      { name: 'd', needs: [] },
    ];
    expect([...downstreamOf(nodes, ['b'])].sort()).toEqual(['b', 'c']);
    expect([...downstreamOf(nodes, ['a'])].sort()).toEqual(['a', 'b', 'c']);
  });
});
