import { navigate } from '../router.js';
import { layoutDag, type DagNode } from './dag-layout.js';

export interface DagTask extends DagNode {
  state: string;
  /** Where a click leads: the task's run, or the run that made its cached outputs. */
  href?: string;
  note?: string;
}

const W = 170;
const H = 54;
const GAP_X = 70;
const GAP_Y = 22;

const COLOR: Record<string, string> = {
  succeeded: 'var(--ok)',
  cached: 'var(--muted)',
  failed: 'var(--bad)',
  'upstream-failed': 'var(--bad)',
  running: 'var(--info)',
  pending: 'var(--warn)',
  cancelled: 'var(--muted)',
};

/** The pipeline's tasks as boxes coloured by state, edges from each need; boxes link to runs. */
export function DagView({ tasks }: { tasks: DagTask[] }) {
  const { placed, columns, rows } = layoutDag(tasks);
  const x = (c: number) => 10 + c * (W + GAP_X);
  const y = (r: number) => 10 + r * (H + GAP_Y);
  const width = x(columns) - GAP_X + 10;
  const height = y(rows) - GAP_Y + 10;
  return (
    <svg width={width} height={height} role="group" aria-label="Pipeline graph" data-testid="dag" style={{ maxWidth: '100%', overflow: 'visible' }}>
      <defs>
        <marker id="dag-arrow" viewBox="0 0 8 8" refX={8} refY={4} markerWidth={8} markerHeight={8} orient="auto">
          <path d="M0,0 L8,4 L0,8 z" fill="var(--muted)" />
        </marker>
      </defs>
      {tasks.flatMap((t) =>
        t.needs.map((n) => {
          const from = placed.get(n);
          const to = placed.get(t.name)!;
          if (!from) return null;
          const [x1, y1, x2, y2] = [x(from.column) + W, y(from.row) + H / 2, x(to.column), y(to.row) + H / 2];
          return <path key={`${n}->${t.name}`} d={`M${x1},${y1} C${x1 + GAP_X / 2},${y1} ${x2 - GAP_X / 2},${y2} ${x2},${y2}`} fill="none" stroke="var(--muted)" strokeWidth={1.5} markerEnd="url(#dag-arrow)" />;
        }),
      )}
      {tasks.map((t) => {
        const p = placed.get(t.name)!;
        const color = COLOR[t.state] ?? 'var(--muted)';
        const open = () => t.href && navigate(t.href);
        return (
          <g
            key={t.name}
            transform={`translate(${x(p.column)},${y(p.row)})`}
            role={t.href ? 'link' : undefined}
            tabIndex={t.href ? 0 : undefined}
            aria-label={`${t.name}: ${t.state}${t.note ? `, ${t.note}` : ''}`}
            data-task={t.name}
            data-state={t.state}
            style={{ cursor: t.href ? 'pointer' : 'default' }}
            onClick={open}
            onKeyDown={(e) => e.key === 'Enter' && open()}
          >
            <rect width={W} height={H} rx={8} fill="var(--bg-raised)" stroke={color} strokeWidth={2} strokeDasharray={t.state === 'cached' ? '5 3' : undefined} />
            <text x={10} y={22} fill="var(--fg)" fontWeight={600} fontSize={13}>
              {t.name.length > 20 ? `${t.name.slice(0, 19)}…` : t.name}
            </text>
            <text x={10} y={41} fill={color} fontSize={12}>
              {t.state}
              {t.note ? ` · ${t.note}` : ''}
            </text>
          </g>
        );
      })}
    </svg>
  );
}
