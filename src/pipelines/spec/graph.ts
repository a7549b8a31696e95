/**
 * The task graph: a topological order that keeps declaration order where it can, the cycle
 * named when there is one, and what lies downstream of a task.
 */

export interface GraphNode {
  name: string;
  needs: readonly string[];
}

export type TopoResult = { order: string[] } | { cycle: string[] };

/** Kahn's algorithm, always taking the earliest-declared ready task. */
export function topologicalOrder(nodes: readonly GraphNode[]): TopoResult {
  const index = new Map(nodes.map((n, i) => [n.name, i]));
  const waiting = new Map(nodes.map((n) => [n.name, new Set(n.needs.filter((d) => index.has(d)))]));
  const order: string[] = [];
  const done = new Set<string>();
  while (order.length < nodes.length) {
    const next = nodes.find((n) => !done.has(n.name) && [...waiting.get(n.name)!].every((d) => done.has(d)));
    if (!next) return { cycle: findCycle(nodes.filter((n) => !done.has(n.name))) };
    order.push(next.name);
    done.add(next.name);
  }
  return { order };
}

/** One cycle among nodes that cannot be ordered, as a path that returns to its start. */
function findCycle(nodes: readonly GraphNode[]): string[] {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const state = new Map<string, 'active' | 'done'>();
  const path: string[] = [];
  const visit = (name: string): string[] | undefined => {
    state.set(name, 'active');
    path.push(name);
    for (const dep of byName.get(name)?.needs ?? []) {
      if (!byName.has(dep)) continue;
      if (state.get(dep) === 'active') return [...path.slice(path.indexOf(dep)), dep];
      if (state.get(dep) === undefined) {
        const found = visit(dep);
        if (found) return found;
      }
    }
    path.pop();
    state.set(name, 'done');
    return undefined;
  };
  for (const n of nodes) {
    if (state.get(n.name) === undefined) {
      const found = visit(n.name);
      // Edges point from a task to what it needs; people read a cycle in the order things run.
      if (found) return found.reverse();
    }
  }
  return nodes.map((n) => n.name);
}

/** The named tasks and everything that needs them, directly or not. */
export function downstreamOf(nodes: readonly GraphNode[], roots: Iterable<string>): Set<string> {
  const out = new Set(roots);
  let grew = true;
  while (grew) {
    grew = false;
    for (const n of nodes) {
      if (!out.has(n.name) && n.needs.some((d) => out.has(d))) {
        out.add(n.name);
        grew = true;
      }
    }
  }
  return out;
}
