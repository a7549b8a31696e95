/**
 * Places a DAG's tasks in columns by depth (longest chain of needs before them), in the given
 * order within a column. Small pipelines only need something readable, not an optimal layout.
 */
export interface DagNode {
  name: string;
  needs: readonly string[];
}

export interface Placed {
  name: string;
  column: number;
  row: number;
}

export function layoutDag(nodes: readonly DagNode[]): { placed: Map<string, Placed>; columns: number; rows: number } {
  const byName = new Map(nodes.map((n) => [n.name, n]));
  const depth = new Map<string, number>();
  const visiting = new Set<string>();
  const depthOf = (name: string): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    // A cycle cannot be valid pipeline input; break it rather than recurse forever.
    if (visiting.has(name)) return 0;
    visiting.add(name);
    const node = byName.get(name);
    const d = node && node.needs.length ? 1 + Math.max(...node.needs.filter((n) => byName.has(n)).map(depthOf), -1) : 0;
    visiting.delete(name);
    depth.set(name, d);
    return d;
  };
  const placed = new Map<string, Placed>();
  const filled: number[] = [];
  for (const n of nodes) {
    const column = depthOf(n.name);
    const row = filled[column] ?? 0;
    filled[column] = row + 1;
    placed.set(n.name, { name: n.name, column, row });
  }
  return { placed, columns: filled.length, rows: Math.max(0, ...filled) };
}
